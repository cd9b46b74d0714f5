namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// What one kind of alert is (as a Roslyn <c>DiagnosticDescriptor</c> describes a diagnostic): its kind, the severity it
/// is raised with unless the rule says otherwise, the least it needs to have been logged, and the usual causes.
/// </summary>
internal sealed record RuleDescriptor(string Kind, AlertSeverity DefaultSeverity, string MinimumEvidence)
{
    /// <summary>The usual causes, shortly (the alert's hint).</summary>
    public string Hint => AlertTexts.Hint(Kind);
}

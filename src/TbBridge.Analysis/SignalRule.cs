using System.Text.RegularExpressions;

namespace TbBridge.Analysis;

/// <summary>
/// One classification rule: a tag that matches <see cref="Pattern"/> (case-insensitive .NET regex) has <see cref="Role"/>.
/// <see cref="AppliesTo"/> limits the rule to scalars or histograms. For roles about a parameter or layer, the regex group
/// named <c>subject</c> (when present) names it.
/// </summary>
public sealed record SignalRule(string Pattern, SignalRole Role, SignalKind AppliesTo = SignalKind.Any)
{
    private Regex? _regex;

    internal Regex Regex => _regex ??= new Regex(
        Pattern,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        TimeSpan.FromMilliseconds(250));
}

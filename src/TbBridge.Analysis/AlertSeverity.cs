namespace TbBridge.Analysis;

/// <summary>How bad an alert is. Serialised lowercase (<c>info</c>, <c>warning</c>, <c>critical</c>): see <see cref="AlertSeverityExtensions.ToWireString"/>.</summary>
public enum AlertSeverity
{
    /// <summary>Worth knowing; nothing is wrong with the training itself.</summary>
    Info,

    /// <summary>Training is likely wasting time or producing a poor model.</summary>
    Warning,

    /// <summary>Training is broken now (non-finite values, runaway loss): stop it.</summary>
    Critical,
}

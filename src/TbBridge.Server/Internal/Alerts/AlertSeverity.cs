namespace TbBridge.Server.Internal.Alerts;

/// <summary>The service's severities, ordered: a filter's minimum keeps this level and above.</summary>
internal enum AlertSeverity
{
    Info = 1,
    Warning = 2,
    Critical = 3,
}

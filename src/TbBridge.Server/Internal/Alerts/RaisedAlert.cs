using TbBridge.Analysis;

namespace TbBridge.Server.Internal.Alerts;

/// <summary>An alert as the analysis raises it, before the service numbers and stores it.</summary>
internal sealed record RaisedAlert(string Kind, AlertSeverity Severity, string Tag, long Step, double WallTime, string Message);

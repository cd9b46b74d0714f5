namespace TbBridge.Server.Web;

internal sealed record RunSummaryJson(
    string Project, string Run, string[] Workers, string State, bool Attention, long? LastStep, long Points, double? LastPointAgeSeconds,
    AlertCountsJson Alerts, PointJson[] Loss);

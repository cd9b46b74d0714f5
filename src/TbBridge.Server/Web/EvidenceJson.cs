namespace TbBridge.Server.Web;

internal sealed record EvidenceJson(string Name, double? Value, string? Text);

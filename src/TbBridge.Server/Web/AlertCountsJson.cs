namespace TbBridge.Server.Web;

internal sealed record AlertCountsJson(long Critical, long Warning, long Info);

namespace TbBridge.Server.Internal.Alerts;

/// <summary>An alert waiting for one webhook; <paramref name="Claimed"/> when its delivery is already this service's (taken over from a replica that died).</summary>
internal sealed record WebhookItem(AlertRecord Alert, bool Claimed);

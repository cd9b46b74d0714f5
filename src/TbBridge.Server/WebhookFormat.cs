namespace TbBridge.Server;

internal enum WebhookFormat
{
    /// <summary>The alert's fields as one JSON object.</summary>
    Json = 0,

    /// <summary>Slack's incoming-webhook shape: <c>{"text": "..."}</c>.</summary>
    Slack = 1,
}

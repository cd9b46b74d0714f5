using System.Text.Json;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Tests.Internal;

public sealed class WebhookPayloadTests
{
    private static readonly AlertRecord Alert = new(
        3, "vision", "resnet", "rank0", AlertKind.LossSpike, AlertSeverity.Warning, "loss<!channel>", 900, "loss<!channel> jumped 40x: a & b <@U024BE7LH>",
        1700000000, ["loss<!channel>"], "loss<!channel>", "Check the batch at that step <!here> & clip.",
        new Dictionary<string, double> { ["ratio<b>"] = 40.25, ["level"] = double.NaN });

    [Fact]
    public void Create_Slack_EscapesAmpersandAndAngleBracketsInEveryValue()
    {
        using var payload = JsonDocument.Parse(WebhookPayload.Create(WebhookFormat.Slack, Alert));
        string text = payload.RootElement.GetProperty("text").GetString()!;

        Assert.DoesNotContain("<", text, StringComparison.Ordinal);
        Assert.DoesNotContain(">", text, StringComparison.Ordinal);
        Assert.Contains("tag `loss&lt;!channel&gt;` at step 900: loss&lt;!channel&gt; jumped 40x: a &amp; b &lt;@U024BE7LH&gt;", text, StringComparison.Ordinal);
        Assert.Contains("\n*Evidence:* ratio&lt;b&gt; = 40.25, level = NaN", text, StringComparison.Ordinal);
        Assert.Contains("\n*Hint:* Check the batch at that step &lt;!here&gt; &amp; clip.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Json_CarriesSubjectTagsHintAndEvidenceWithNonFiniteAsNull()
    {
        using var payload = JsonDocument.Parse(WebhookPayload.Create(WebhookFormat.Json, Alert));
        var root = payload.RootElement;

        Assert.Equal("warning", root.GetProperty("severity").GetString());
        Assert.Equal("loss<!channel>", root.GetProperty("subject").GetString()); // JSON is data: nothing to escape beyond JSON's own
        Assert.Equal(["loss<!channel>"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Alert.Hint, root.GetProperty("hint").GetString());
        var evidence = root.GetProperty("evidence");
        Assert.Equal(40.25, evidence.GetProperty("ratio<b>").GetDouble());
        Assert.Equal(JsonValueKind.Null, evidence.GetProperty("level").ValueKind);
    }
}

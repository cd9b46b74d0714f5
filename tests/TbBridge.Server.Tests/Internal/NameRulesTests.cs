using TbBridge.Server.Internal.Security;

namespace TbBridge.Server.Tests.Internal;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("resnet")]
    [InlineData("resnet/lr-0.1/seed=3")]
    [InlineData("Nov23_12-00-00_host.local")]
    [InlineData("a,b+c@d")]
    public void CheckRun_PortableRelativeNames_AreAccepted(string run) => Assert.Null(NameRules.CheckRun(run));

    [Theory]
    [InlineData("", "required")]
    [InlineData("..", "'.' or '..'")]
    [InlineData("../x", "'.' or '..'")]
    [InlineData("a/./b", "'.' or '..'")]
    [InlineData("/abs", "relative")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/", "empty segment")]
    [InlineData("c:\\x", "contains ':'")]
    [InlineData("tab\there", "contains")]
    [InlineData("new\nline", "contains")]
    [InlineData("sp ace", "contains ' '")]
    public void CheckRun_HostileNames_AreRefusedWithTheReason(string run, string reason)
    {
        var problem = NameRules.CheckRun(run);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckRun_TooLong_SaysTheLimit()
    {
        Assert.Contains("at most 256", NameRules.CheckRun(new string('a', 257)), StringComparison.Ordinal);
        Assert.Contains("at most 100", NameRules.CheckRun(new string('a', 101)), StringComparison.Ordinal);
        Assert.Null(NameRules.CheckRun(new string('a', 100) + "/" + new string('b', 100)));
    }

    [Theory]
    [InlineData("train/loss", true)]
    [InlineData("métrique ß", true)]
    [InlineData("", false)]
    [InlineData("bad\u0000tag", false)]
    [InlineData("bell\u0007", false)]
    public void CheckTag_AnyPrintableText_IsATag(string tag, bool ok) => Assert.Equal(ok, NameRules.CheckTag(tag) is null);

    [Fact]
    public void CheckTag_ControlCharacter_IsNotEchoedInTheMessage()
    {
        var problem = NameRules.CheckTag("a\u0001b");
        Assert.NotNull(problem);
        Assert.DoesNotContain('\u0001', problem);
    }

    [Theory]
    [InlineData("rank0", true)]
    [InlineData("worker-3.gpu_1", true)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    public void CheckWorker_FileNameSafeOnly(string worker, bool ok) => Assert.Equal(ok, NameRules.CheckWorker(worker) is null);

    [Fact]
    public void FileSafeHost_AnyHost_BecomesAFileNameSegment()
    {
        Assert.Equal("gpu-01.example", NameRules.FileSafeHost("gpu-01.example"));
        Assert.Equal("a_b_c", NameRules.FileSafeHost("a/b c"));
        Assert.Equal("unknown", NameRules.FileSafeHost(""));
    }
}

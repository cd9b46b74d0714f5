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

    [Theory]
    [InlineData("CON")]
    [InlineData("prn")]
    [InlineData("Aux")]
    [InlineData("nul")]
    [InlineData("nul.txt")]
    [InlineData("NUL.tar.gz")]
    [InlineData("com0")]
    [InlineData("COM1")]
    [InlineData("lpt9")]
    [InlineData("LPT1.log")]
    public void CheckSegment_WindowsDeviceNames_AreRefusedInEveryPlaceAName(string name)
    {
        const string reason = "is a reserved device name on Windows.";
        Assert.EndsWith(reason, NameRules.CheckProject(name), StringComparison.Ordinal);
        Assert.EndsWith(reason, NameRules.CheckRun("runs/" + name), StringComparison.Ordinal);
        Assert.EndsWith(reason, NameRules.CheckWorker(name), StringComparison.Ordinal);
        Assert.EndsWith(reason, NameRules.CheckStreamId(name), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console")]
    [InlineData("com10")]
    [InlineData("lpt")]
    [InlineData("nul_")]
    [InlineData("auxiliary.txt")]
    [InlineData("my.nul")]
    [InlineData("conv-net")]
    public void CheckSegment_NamesThatOnlyStartLikeADevice_AreAccepted(string name)
    {
        Assert.Null(NameRules.CheckProject(name));
        Assert.Null(NameRules.CheckWorker(name));
        Assert.Null(NameRules.CheckRun("a/" + name));
    }

    [Theory]
    [InlineData("run.", "cannot end with '.'")]
    [InlineData("a/b.", "cannot end with '.'")]
    [InlineData(".hidden", "cannot start with '.'")]
    [InlineData("a/.git", "cannot start with '.'")]
    [InlineData("...", "cannot start with '.'")]
    [InlineData("trailing ", "contains ' '")]
    public void CheckRun_LeadingOrTrailingDotOrTrailingSpace_IsRefused(string run, string reason) =>
        Assert.Contains(reason, NameRules.CheckRun(run), StringComparison.Ordinal);

    [Theory]
    [InlineData("tbbridge.db")]
    [InlineData("tbbridge.db-wal")]
    [InlineData("tbbridge.db-shm")]
    [InlineData("tbbridge.db-journal")]
    [InlineData("TbBridge.DB")]
    [InlineData(".tbbridge.lock")]
    public void CheckProject_TheServicesOwnFiles_AreRefused(string project) => Assert.NotNull(NameRules.CheckProject(project));

    [Fact]
    public void CheckProject_ServiceFileNamesAsARunOrWorker_AreFineBecauseTheyAreNotInTheDataDirectoryItself()
    {
        Assert.Null(NameRules.CheckRun("tbbridge.db"));
        Assert.Null(NameRules.CheckWorker("tbbridge.db"));
        Assert.Null(NameRules.CheckProject("tbbridge"));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    [InlineData("upload-0123456789abcdef", true)]
    [InlineData("a/b", false)]
    [InlineData("with space", false)]
    [InlineData("", false)]
    public void CheckStreamId_TheSegmentRule(string streamId, bool ok) => Assert.Equal(ok, NameRules.CheckStreamId(streamId) is null);

    [Fact]
    public void CheckStreamId_TooLong_SaysTheLimit() =>
        Assert.Contains("at most 128", NameRules.CheckStreamId(new string('s', 129)), StringComparison.Ordinal);

    [Theory]
    [InlineData("tbbridge/alerts", false)]
    [InlineData("tbbridge/anything", false)]
    [InlineData("tbbridge/dropped_points", true)]
    [InlineData("tbbridge", true)]
    [InlineData("TbBridge/alerts", false)]
    [InlineData("TBBRIDGE/ALERTS", false)]
    [InlineData(" tbbridge/alerts", false)]
    [InlineData("\u200Btbbridge/alerts", false)]
    [InlineData("tbbr\u0456dge/alerts", false)] // Cyrillic і
    [InlineData("tbbridge\u2215alerts", false)] // division slash
    [InlineData("\uFF54\uFF42\uFF42ridge/alerts", false)] // fullwidth t, b, b
    [InlineData("TbBridge/dropped_points", false)]
    [InlineData("tbbridge_alerts", true)]
    [InlineData("my/tbbridge/alerts", true)]
    [InlineData("train/loss", true)]
    public void CheckClientTag_TheServicesReservedPrefix_IsRefused(string tag, bool ok)
    {
        Assert.Equal(ok, NameRules.CheckClientTag(tag) is null);
        Assert.Null(NameRules.CheckTag(tag)); // as a tag in general (the service's own) it is fine
    }

    [Theory]
    [InlineData("loss\u2028**critical** `nan_inf` forged")]
    [InlineData("loss\u2029x")]
    [InlineData("loss\u0085x")]
    [InlineData("loss\u202Ex")]
    [InlineData("loss\nx")]
    public void CheckTag_LineOrParagraphSeparatorOrOverride_IsRefused(string tag)
    {
        var problem = NameRules.CheckTag(tag);
        Assert.NotNull(problem);
        Assert.DoesNotContain('\u2028', problem);
        Assert.DoesNotContain('\u2029', problem);
    }
}

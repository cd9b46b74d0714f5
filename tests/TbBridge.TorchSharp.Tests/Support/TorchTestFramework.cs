using Xunit.Abstractions;
using Xunit.Sdk;

namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>
/// xunit's own framework, plus one line in the default <c>dotnet test</c> output when the libtorch tests skip
/// themselves, saying why: the runner lists each skipped test as <c>[SKIP]</c> without its reason. The line is
/// a diagnostic message (xunit.runner.json turns them on), sent once per process. Each test project that uses it
/// names it in its own <c>[assembly: TestFramework(…)]</c> (it is linked into the server's tests too).
/// </summary>
public sealed class TorchTestFramework : XunitTestFramework
{
    private static int s_said;

    public TorchTestFramework(IMessageSink messageSink)
        : base(messageSink)
    {
        ArgumentNullException.ThrowIfNull(messageSink);
        if (LibTorch.SkipReason is not null && Interlocked.Exchange(ref s_said, 1) == 0)
        {
            messageSink.OnMessage(new DiagnosticMessage("libtorch cannot load here, so every [TorchFact] and [TorchTheory] test below is skipped " + LibTorch.Why));
        }
    }
}

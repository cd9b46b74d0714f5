using TorchSharp;

namespace TbBridge.TorchSharp.Tests.Support;

/// <summary>Whether libtorch loads in this process, probed once.</summary>
internal static class LibTorch
{
    private static readonly Lazy<string?> s_loadError = new(Probe);

    /// <summary>Null where libtorch loads; otherwise why it does not.</summary>
    public static string? LoadError => s_loadError.Value;

    /// <summary>True when env CI is "true": TorchSharp tests must run, never skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason for a libtorch test here, or null to run it.</summary>
    public static string? SkipReason => IsCi || LoadError is null ? null : "libtorch cannot load here, so this TorchSharp test is skipped " + Why;

    /// <summary>Why the libtorch tests skip, in one line (the runner's default output prints it once: <see cref="TorchTestFramework"/>).</summary>
    public static string Why =>
        "(never under CI=true). TorchSharp 0.107.0 needs libstdc++ with GLIBCXX_3.4.32 (Debian 13, Ubuntu 24.04 or newer); "
        + "on Debian 12 run: eng/in-trixie.sh dotnet test tests/" + typeof(LibTorch).Assembly.GetName().Name + ". Load error: " + LoadError;

    private static string? Probe()
    {
        try
        {
            return torch.TryInitializeDeviceType(DeviceType.CPU) ? null : "TryInitializeDeviceType(CPU) returned false";
        }
#pragma warning disable CA1031 // Any failure to load means "cannot load"; the message is the skip reason.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // TorchSharp's message goes on for 70 lines of load trace: its first line names the failure.
            return e.GetBaseException().Message.Split('\n')[0].Trim();
        }
    }
}

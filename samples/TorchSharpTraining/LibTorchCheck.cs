using System.Text;
using TorchSharp;

namespace TorchSharpTraining;

/// <summary>Whether libtorch loads here, and if not, why, in one line (the tests' <c>LibTorch</c> probe, for a program).</summary>
internal static class LibTorchCheck
{
    private const string Needed = "GLIBCXX_3.4.32";

    /// <summary>Null where libtorch loads; otherwise one line: the cause and what to run instead.</summary>
    public static string? Problem()
    {
        string error;
        var (stdout, stderr) = (Console.Out, Console.Error);
        try
        {
            // TorchSharp prints its 70-line load trace as it fails: it is summed up below instead.
            Console.SetOut(TextWriter.Null);
            Console.SetError(TextWriter.Null);
            if (torch.TryInitializeDeviceType(DeviceType.CPU))
            {
                return null;
            }

            error = "TryInitializeDeviceType(CPU) returned false";
        }
#pragma warning disable CA1031 // Any failure to load means "cannot load"; the message is summed up below.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e.GetBaseException().Message.Split('\n')[0].Trim();
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }

        // TorchSharp's own message blames a missing package reference whenever libtorch fails to load; on Linux the
        // usual cause is a libstdc++ older than libtorch 2.10's (this process has it loaded: look at its versions).
        if (LoadedLibStdCxx() is { } path && !Contains(path, Needed))
        {
            return $"libtorch cannot load here: TorchSharp 0.107.0 needs libstdc++ with {Needed} and {path} lacks it "
                + "(Debian 13, Ubuntu 24.04 or newer have it); on Debian 12 run: eng/in-trixie.sh dotnet run --project samples/TorchSharpTraining -- ARGS";
        }

        return $"libtorch cannot load here: {error}";
    }

    private static string? LoadedLibStdCxx()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line[(line.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? i : line.Length)..])
                .FirstOrDefault(p => Path.GetFileName(p).StartsWith("libstdc++.so", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null; // not Linux
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool Contains(string path, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Docker Compose v2 (<c>docker-compose</c>, Debian's <c>docker-compose</c> package), used without any Docker engine:
/// <c>config</c> parses a Compose file against the Compose specification and prints the model it resolves
/// (anchors, profiles, env files, defaults), which is what <c>docker compose up</c> would run.
/// </summary>
internal static class ComposeCli
{
    private static readonly Lazy<string?> s_version = new(() =>
    {
        try
        {
            var (exit, output, _) = Run(Directory.GetCurrentDirectory(), "version", "--short");
            return exit == 0 && output.Trim().TrimStart('v') is { } version && version.StartsWith('2') ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    });

    /// <summary>Why the Compose tests cannot run here; null when they can.</summary>
    public static string? SkipReason =>
        s_version.Value is null ? "Docker Compose v2 is not installed (no docker-compose v2 on PATH; Debian 13's docker-compose package)" : null;

    /// <summary>
    /// Resolves <paramref name="composeFile"/> as <c>docker compose --profile …</c> would, with the env file(s) it names
    /// copied beside it into a folder of its own, and returns the resolved model.
    /// </summary>
    public static JsonDocument Resolve(string composeFile, IReadOnlyDictionary<string, string> filesBeside, params string[] profiles)
    {
        string folder = Directory.CreateTempSubdirectory("tbbridge-compose-").FullName;
        try
        {
            File.Copy(composeFile, Path.Combine(folder, "docker-compose.yml"));
            foreach (var (name, source) in filesBeside)
            {
                File.Copy(source, Path.Combine(folder, name));
            }

            var args = new List<string> { "-f", Path.Combine(folder, "docker-compose.yml") };
            foreach (string profile in profiles)
            {
                args.AddRange(["--profile", profile]);
            }

            args.AddRange(["config", "--format", "json"]);
            var (exit, output, error) = Run(folder, [.. args]);
            Assert.True(exit == 0, $"docker-compose config exited {exit}: {error}");
            return JsonDocument.Parse(output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Exit, string Output, string Error) Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}

using System.CommandLine;
using Grpc.Core;

namespace TbBridge.Cli.Internal;

/// <summary>The <c>--api-key</c> option every command that talks to the service shares, and the header it becomes.</summary>
internal static class ApiKeyOption
{
    public const string EnvironmentVariable = "TBBRIDGE_API_KEY";

    public static Option<string?> Create() => new("--api-key") { Description = $"Sent as 'authorization: Bearer <key>' (or set {EnvironmentVariable})." };

    /// <summary>The key given on the command line, else the environment's, else none.</summary>
    public static string? Value(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) ?? Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>The call headers for <paramref name="apiKey"/>: <c>authorization: Bearer …</c>, or none.</summary>
    public static Metadata Headers(string? apiKey)
    {
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers.Add("authorization", "Bearer " + apiKey);
        }

        return headers;
    }
}

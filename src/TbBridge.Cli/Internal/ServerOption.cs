using System.CommandLine;

namespace TbBridge.Cli.Internal;

/// <summary>The <c>--server URL</c> option every command that talks to the service shares.</summary>
internal static class ServerOption
{
    /// <summary>Where <c>dotnet run --project src/TbBridge.Server</c> serves, and so the default.</summary>
    public static readonly Uri Default = new("http://127.0.0.1:5080");

    public static Option<Uri> Create() => new("--server")
    {
        Description = "The TbBridge service's address.",
        DefaultValueFactory = _ => Default,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--server must be an http:// or https:// address, not '{text}'");
            return null;
        },
    };
}

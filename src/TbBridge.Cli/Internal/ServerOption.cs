using System.CommandLine;

namespace TbBridge.Cli.Internal;

/// <summary>The <c>--server URL</c> option every command that talks to the service shares.</summary>
internal static class ServerOption
{
    public static Option<Uri> Create() => new("--server")
    {
        Description = "The TbBridge service, e.g. http://127.0.0.1:5080.",
        Required = true,
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

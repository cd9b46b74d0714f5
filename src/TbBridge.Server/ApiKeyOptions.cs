namespace TbBridge.Server;

/// <summary>One API key: the secret, a name for logs, and the projects it may write and read (<c>*</c> = all).</summary>
internal sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    public string Key { get; set; } = "";

    public List<string> Write { get; set; } = [];

    public List<string> Read { get; set; } = [];
}

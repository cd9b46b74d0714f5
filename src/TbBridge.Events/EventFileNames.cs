using System.Globalization;

namespace TbBridge.Events;

/// <summary>TensorBoard's event file names: <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;counter&gt;[suffix]</c>.</summary>
public static class EventFileNames
{
    /// <summary>The marker TensorBoard looks for in a file name to treat it as an event file.</summary>
    public const string Marker = "tfevents";

    /// <summary>Builds a file name the way PyTorch's and TensorFlow's writers do.</summary>
    public static string Create(long unixSeconds, string host, int processId, int counter, string? suffix = null) =>
        string.Create(CultureInfo.InvariantCulture, $"events.out.tfevents.{unixSeconds}.{host}.{processId}.{counter}{suffix}");

    /// <summary>Whether TensorBoard would read <paramref name="fileName"/> as an event file.</summary>
    public static bool IsEventFile(string fileName) =>
        Path.GetFileName(fileName).Contains(Marker, StringComparison.Ordinal);
}

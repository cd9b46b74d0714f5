namespace TbBridge.Events;

/// <summary>Settings of an <see cref="EventFileWriter"/>.</summary>
public sealed class EventFileWriterOptions
{
    /// <summary>Appended to the file name, after the counter (PyTorch's <c>filename_suffix</c>).</summary>
    public string FileNameSuffix { get; init; } = "";

    /// <summary>Source of the file name's Unix seconds and of the first record's wall time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Host name in the file name; defaults to <see cref="Environment.MachineName"/>.</summary>
    public string? HostName { get; init; }

    /// <summary>Bytes buffered before a write reaches the operating system.</summary>
    public int BufferSize { get; init; } = 64 * 1024;
}

using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

/// <summary>The <c>log_message</c> records a writer leaves for itself (the service's commit markers): no summary, read back exactly.</summary>
public class LogMessageTests
{
    [Fact]
    public void LogMessage_IsADebuggingLogMessageEventWithNoSummary()
    {
        var expected = new Event { WallTime = 1_763_900_000.25, LogMessage = new LogMessage { Level = LogMessage.Types.Level.Debugging, Message = "tbbridge:commit s-1 42" } };

        byte[] actual = new EventEncoder().LogMessage(1_763_900_000.25, "tbbridge:commit s-1 42").ToArray();

        Assert.Equal(expected.ToByteArray(), actual);
        Assert.True(EventDecoder.TryReadLogMessage(actual, out string? message));
        Assert.Equal("tbbridge:commit s-1 42", message);
        var decoded = new EventDecoder().Decode(actual);
        Assert.Empty(decoded.Values); // nothing a reader of summaries sees
        Assert.Null(decoded.FileVersion);
    }

    [Fact]
    public void LogMessage_CommitMarkerOfAUuidStream_Is74BytesAnd90WithItsFraming()
    {
        // docs/server.md quotes this size: 48 + id length + digits of the sequence, framing (16 bytes) included.
        string message = "tbbridge:commit " + new string('x', 36) + " 100000";

        Assert.Equal(90 - 16, new EventEncoder().LogMessage(1_763_900_000.25, message).Length);
    }

    [Fact]
    public void TryReadLogMessage_ScalarOrGarbage_IsFalse()
    {
        Assert.False(EventDecoder.TryReadLogMessage(new EventEncoder().Scalar("tbbridge:commit s-1 42", 1, 1.0, 1.0), out _));
        Assert.False(EventDecoder.TryReadLogMessage([0xFF, 0xFF, 0xFF], out _));
    }

    [Fact]
    public void Reader_FromARecordsOffset_ReadsFromThatRecordOn()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "events.out.tfevents.1.h");
        var encoder = new EventEncoder();
        long middle;
        using (var writer = EventFileWriter.Open(path, 0))
        {
            writer.WriteEvent(encoder.Scalar("a", 1, 1.0, 1.0));
            writer.Flush();
            middle = writer.Length;
            writer.WriteEvent(encoder.Scalar("b", 2, 2.0, 2.0));
            writer.WriteEvent(encoder.LogMessage(3.0, "m"));
        }

        using var reader = new EventFileReader(path, middle);
        var records = reader.ReadToEnd().ToArray();

        Assert.Equal(2, records.Length);
        Assert.Equal(middle, records[0].Offset);
        Assert.Equal("b", Assert.Single(new EventDecoder().Decode(records[0].Payload.Span).Values).Tag);
        Assert.True(EventDecoder.TryReadLogMessage(records[1].Payload.Span, out string? message));
        Assert.Equal("m", message);
        Assert.Empty(reader.Errors);
        Assert.Equal(new FileInfo(path).Length, reader.Position);
    }
}

using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

/// <summary><see cref="EventFileWriter.Open"/>: a file continued after its durable length, the way the service resumes a stream.</summary>
public class ContinuedFileTests
{
    [Fact]
    public void Open_FileWithATornTail_CutsItAtTheKeptLengthAndAppendsWholeRecords()
    {
        using var temp = new TempFolder();
        var random = new Random(7);
        var first = Enumerable.Range(0, 50).Select(i => RandomEvents.Next(random, i)).ToList();
        var second = Enumerable.Range(50, 50).Select(i => RandomEvents.Next(random, i)).ToList();
        string path = Path.Combine(temp.Path, "run", EventFileWriter.NewFileName(new EventFileWriterOptions { HostName = "h" }));
        long durable;
        using (var writer = EventFileWriter.Open(path, 0))
        {
            first.ForEach(e => writer.WriteEvent(e.ToByteArray()));
            writer.Flush();
            durable = writer.Length;
        }

        File.AppendAllText(path, "half a record that was never acknowledged");
        using (var writer = EventFileWriter.Open(path, durable))
        {
            Assert.Equal(durable, writer.Length);
            second.ForEach(e => writer.WriteEvent(e.ToByteArray()));
        }

        using var reader = new EventFileReader(path);
        var payloads = reader.ReadToEnd().Select(r => r.Payload.ToArray()).ToList();
        Assert.Empty(reader.Errors);
        Assert.Equal(EventFileWriter.FileVersion, Event.Parser.ParseFrom(payloads[0]).FileVersion); // one header, at the start
        Assert.Equal(first.Concat(second).Select(e => e.ToByteArray()), payloads.Skip(1));
    }

    [Fact]
    public void Open_KeptLengthZero_StartsTheFileAgainWithItsHeader()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "events.out.tfevents.1.h.1.0");
        File.WriteAllText(path, "bytes of a header that never became durable");
        using (var writer = EventFileWriter.Open(path, 0))
        {
            writer.WriteEvent(new Event { Step = 3, WallTime = 1 }.ToByteArray());
        }

        using var reader = new EventFileReader(path);
        var records = reader.ReadToEnd().ToList();
        Assert.Empty(reader.Errors);
        Assert.Equal(2, records.Count);
        Assert.Equal(EventFileWriter.FileVersion, Event.Parser.ParseFrom(records[0].Payload.Span).FileVersion);
        Assert.False(Path.GetFileName(EventFileWriter.NewFileName()) == Path.GetFileName(EventFileWriter.NewFileName()), "two new names never collide in one process");
    }

    [Fact]
    public void Open_FileShorterThanTheKeptLength_IsRefusedAndLeftAsItIs()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "events.out.tfevents.1.h.1.0");
        File.WriteAllBytes(path, new byte[10]);
        Assert.Throws<InvalidDataException>(() => EventFileWriter.Open(path, 100));
        Assert.Equal(10, new FileInfo(path).Length);
    }
}

using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

public class LiveFileTests
{
    private static byte[] Scalar(long step) =>
        new Event { Step = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = "loss", SimpleValue = step } } } }.ToByteArray();

    [Fact]
    public void ReadAvailable_FileStillBeingWritten_ReturnsNewRecordsOnEachCall()
    {
        using var temp = new TempFolder();
        using var writer = EventFileWriter.Create(temp.Path);
        writer.WriteEvent(Scalar(0));
        writer.Flush();
        using var reader = new EventFileReader(writer.FilePath);

        var first = reader.ReadAvailable().ToList();
        writer.WriteEvent(Scalar(1));
        writer.WriteEvent(Scalar(2));
        writer.Flush();
        var second = reader.ReadAvailable().ToList();
        var third = reader.ReadAvailable().ToList();

        Assert.Equal(2, first.Count); // the file-version record and step 0
        Assert.Equal([1L, 2], second.Select(r => Event.Parser.ParseFrom(r.Payload.Span).Step));
        Assert.Empty(third);
        Assert.Empty(reader.Errors);
        Assert.Equal(writer.Length, reader.Position);
    }

    [Fact]
    public void ReadAvailable_PartialTrailingRecord_WaitsWithoutErrorAndReadsItOnceComplete()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("events.out.tfevents.live");
        string source;
        using (var writer = EventFileWriter.Create(temp.Combine("src")))
        {
            source = writer.FilePath;
            writer.WriteEvent(Scalar(1));
            writer.WriteEvent(Scalar(2));
        }

        byte[] all = File.ReadAllBytes(source);
        int split = all.Length - 7;
        File.WriteAllBytes(path, all.AsSpan(0, split).ToArray());
        using var reader = new EventFileReader(path);

        var first = reader.ReadAvailable().ToList();
        Assert.Equal(2, first.Count); // header record and step 1; step 2 is incomplete
        Assert.Empty(reader.Errors);

        using (var append = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            append.Write(all.AsSpan(split));
        }

        var rest = Assert.Single(reader.ReadAvailable());
        Assert.Equal(2, Event.Parser.ParseFrom(rest.Payload.Span).Step);
        Assert.Empty(reader.Errors);
        Assert.Equal(all.Length, reader.Position);
    }
}

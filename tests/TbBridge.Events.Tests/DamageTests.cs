using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

/// <summary>Truncated and corrupted files: no exception escapes, nothing before the damage is lost, the error says where.</summary>
public class DamageTests
{
    private static (byte[] Bytes, List<long> Offsets, List<byte[]> Payloads) WriteFile(TempFolder temp, int count)
    {
        var random = new Random(11);
        string path;
        using (var writer = EventFileWriter.Create(temp.Path))
        {
            path = writer.FilePath;
            for (int i = 0; i < count; i++)
            {
                writer.WriteEvent(RandomEvents.Next(random, i).ToByteArray());
            }
        }

        using var reader = new EventFileReader(path);
        var records = reader.ReadToEnd().ToList();
        return (File.ReadAllBytes(path), records.Select(r => r.Offset).ToList(), records.Select(r => r.Payload.ToArray()).ToList());
    }

    [Fact]
    public void ReadToEnd_FileCutAtEveryByteOfLastRecords_ReturnsEveryCompleteRecordAndNamesTheCut()
    {
        using var temp = new TempFolder();
        var (bytes, offsets, payloads) = WriteFile(temp, 40);
        string cut = temp.Combine("cut.tfevents");

        for (int length = (int)offsets[^3]; length < bytes.Length; length++)
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            using var reader = new EventFileReader(cut);

            var records = reader.ReadToEnd().ToList();

            int complete = offsets.Select((o, i) => (o, end: i + 1 < offsets.Count ? offsets[i + 1] : bytes.Length)).Count(r => r.end <= length);
            Assert.Equal(complete, records.Count);
            Assert.Equal(payloads.Take(complete), records.Select(r => r.Payload.ToArray()));
            if (offsets.Contains(length))
            {
                Assert.Empty(reader.Errors); // cut exactly between records: a shorter, valid file
            }
            else
            {
                var error = Assert.Single(reader.Errors);
                Assert.Equal(cut, error.File);
                Assert.Equal(offsets[complete], error.Offset);
                Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(0, "header")]   // length
    [InlineData(9, "header")]   // masked CRC of the length
    [InlineData(14, "data")]    // payload
    [InlineData(-2, "data")]    // masked CRC of the payload
    public void ReadToEnd_FlippedByteInEachField_ReportsItAndKeepsEverythingElse(int fieldOffset, string expectedWord)
    {
        using var temp = new TempFolder();
        var (bytes, offsets, payloads) = WriteFile(temp, 30);
        int damaged = 15;
        long recordEnd = offsets[damaged + 1];
        long position = fieldOffset >= 0 ? offsets[damaged] + fieldOffset : recordEnd + fieldOffset;
        bytes[position] ^= 0x5A;
        string path = temp.Combine("flipped.tfevents");
        File.WriteAllBytes(path, bytes);
        using var reader = new EventFileReader(path);

        var records = reader.ReadToEnd().ToList();

        var error = Assert.Single(reader.Errors);
        Assert.Equal(offsets[damaged], error.Offset);
        Assert.Equal(path, error.File);
        Assert.Contains(expectedWord, error.Message, StringComparison.Ordinal);
        var expected = payloads.Where((_, i) => i != damaged).ToList();
        Assert.Equal(expected, records.Select(r => r.Payload.ToArray()));
    }

    [Fact]
    public void ReadToEnd_RandomGarbageBetweenRecords_ResynchronisesOnNextRecord()
    {
        using var temp = new TempFolder();
        var (bytes, offsets, payloads) = WriteFile(temp, 10);
        var garbage = new byte[333];
        new Random(5).NextBytes(garbage);
        int at = (int)offsets[4];
        byte[] damaged = [.. bytes.AsSpan(0, at), .. garbage, .. bytes.AsSpan(at)];
        string path = temp.Combine("garbage.tfevents");
        File.WriteAllBytes(path, damaged);
        using var reader = new EventFileReader(path);

        var records = reader.ReadToEnd().ToList();

        Assert.Equal(payloads, records.Select(r => r.Payload.ToArray()));
        Assert.Equal(at, Assert.Single(reader.Errors).Offset);
    }

    [Fact]
    public void ReadRun_PayloadThatIsNotAnEvent_ReportedNotThrown()
    {
        using var temp = new TempFolder();
        using (var writer = EventFileWriter.Create(temp.Path))
        {
            writer.WriteEvent([0xFF, 0xFF, 0xFF]); // a record whose CRCs are fine but whose data is no protobuf
            writer.WriteEvent(new Event { Step = 9, Summary = new Summary { Value = { new Summary.Types.Value { Tag = "ok", SimpleValue = 1 } } } }.ToByteArray());
        }

        var errors = new List<EventReadError>();
        var events = RunReader.ReadRun(LogDirectory.DiscoverRuns(temp.Path).Single(), errors).ToList();

        Assert.Equal(2, events.Count);
        Assert.Equal(9, events[1].Step);
        Assert.Contains("not a valid tensorboard.Event", Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}

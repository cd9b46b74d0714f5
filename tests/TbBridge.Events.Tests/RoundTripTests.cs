using Google.Protobuf;
using TbBridge.Events.Protos;
using TbBridge.Events.Tests.Support;
using TbBridge.Testing;

namespace TbBridge.Events.Tests;

public class RoundTripTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WriteThenRead_RandomEvents_ReturnsEveryPayloadBitForBit(int seed)
    {
        using var temp = new TempFolder();
        var random = new Random(seed);
        var written = Enumerable.Range(0, 500).Select(i => RandomEvents.Next(random, i * 3L - 7)).ToList();
        string path;
        using (var writer = EventFileWriter.Create(temp.Path))
        {
            path = writer.FilePath;
            foreach (var e in written)
            {
                writer.WriteEvent(e.ToByteArray());
            }
        }

        using var reader = new EventFileReader(path);
        var records = reader.ReadToEnd().ToList();

        Assert.Empty(reader.Errors);
        Assert.Equal(written.Count + 1, records.Count);
        Assert.Equal(EventFileWriter.FileVersion, Event.Parser.ParseFrom(records[0].Payload.Span).FileVersion);
        for (int i = 0; i < written.Count; i++)
        {
            Assert.Equal(written[i].ToByteArray(), records[i + 1].Payload.ToArray());
        }

        // Decoded values keep every bit (NaN, infinities, -0 included), histograms too.
        var decoder = new EventDecoder();
        for (int i = 0; i < written.Count; i++)
        {
            var decoded = decoder.Decode(records[i + 1].Payload.Span);
            Assert.Equal(written[i].Step, decoded.Step);
            Assert.Equal(BitConverter.DoubleToInt64Bits(written[i].WallTime), BitConverter.DoubleToInt64Bits(decoded.WallTime));
            for (int j = 0; j < decoded.Values.Count; j++)
            {
                // Compared with what was serialized: proto3 omits a singular double equal to zero, and
                // Google.Protobuf's presence check treats -0.0 as zero, so a histogram's -0 min reads back as 0.
                // Oneof members (simple_value) and repeated values keep -0.
                var source = Event.Parser.ParseFrom(written[i].ToByteArray()).Summary.Value[j];
                var value = decoded.Values[j];
                Assert.Equal(source.Tag, value.Tag);
                switch (source.ValueCase)
                {
                    case Summary.Types.Value.ValueOneofCase.SimpleValue:
                        Assert.Equal(BitConverter.SingleToInt32Bits(source.SimpleValue), BitConverter.SingleToInt32Bits((float)value.Scalar));
                        break;
                    case Summary.Types.Value.ValueOneofCase.Histo:
                        Assert.Equal(Bits([source.Histo.Min, source.Histo.Max, source.Histo.Num, source.Histo.Sum, source.Histo.SumSquares]),
                            Bits([value.Histogram!.Min, value.Histogram.Max, value.Histogram.Num, value.Histogram.Sum, value.Histogram.SumSquares]));
                        Assert.Equal(Bits(source.Histo.BucketLimit), Bits(value.Histogram.BucketLimits));
                        Assert.Equal(Bits(source.Histo.Bucket), Bits(value.Histogram.BucketCounts));
                        break;
                    default:
                        Assert.Equal(ValueKind.Text, value.Kind);
                        Assert.Equal(source.Tensor.StringVal[0].ToStringUtf8(), value.Text);
                        break;
                }
            }
        }
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    [Fact]
    public void Decode_NonFiniteAndNegativeZeroScalars_KeepsEveryBit()
    {
        using var temp = new TempFolder();
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, float.MaxValue];
        string path;
        using (var writer = EventFileWriter.Create(temp.Path))
        {
            path = writer.FilePath;
            for (int i = 0; i < values.Length; i++)
            {
                writer.WriteEvent(new Event { Step = i, WallTime = 1.5, Summary = new Summary { Value = { new Summary.Types.Value { Tag = "x", SimpleValue = values[i] } } } }.ToByteArray());
            }
        }

        var decoded = RunReader.ReadFile(path, new EventDecoder()).Skip(1).Select(e => (float)e.Values[0].Scalar).ToArray();

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Create_FakeClock_NamesFileWithUnixSecondsHostPidCounterAndSuffix()
    {
        using var temp = new TempFolder();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_795_366_108_250));

        using var writer = EventFileWriter.Create(temp.Path, new EventFileWriterOptions { TimeProvider = clock, HostName = "gpu7", FileNameSuffix = ".v2" });
        writer.Flush();

        string name = Path.GetFileName(writer.FilePath);
        Assert.Matches($@"^events\.out\.tfevents\.1795366108\.gpu7\.{Environment.ProcessId}\.\d+\.v2$", name);
        var header = RunReader.ReadFile(writer.FilePath, new EventDecoder()).Single();
        Assert.Equal(1_795_366_108.25, header.WallTime, precision: 6);
    }

    [Fact]
    public void Create_TwoWritersSameSecond_NeverShareAFile()
    {
        using var temp = new TempFolder();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

        using var a = EventFileWriter.Create(temp.Path, new EventFileWriterOptions { TimeProvider = clock, HostName = "h" });
        using var b = EventFileWriter.Create(temp.Path, new EventFileWriterOptions { TimeProvider = clock, HostName = "h" });

        Assert.NotEqual(a.FilePath, b.FilePath);
    }
}

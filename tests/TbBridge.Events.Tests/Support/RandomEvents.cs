using Google.Protobuf;
using TbBridge.Events.Protos;

namespace TbBridge.Events.Tests.Support;

/// <summary>Seeded random events of every kind TbBridge writes, non-finite and signed-zero values included.</summary>
internal static class RandomEvents
{
    private static readonly double[] Specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, double.MaxValue, -double.MaxValue];

    public static Event Next(Random random, long step)
    {
        var summary = new Summary();
        int values = random.Next(1, 4);
        for (int i = 0; i < values; i++)
        {
            string tag = $"tag{random.Next(5)}/{(char)('a' + random.Next(26))}";
            switch (random.Next(3))
            {
                case 0:
                    summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)NextDouble(random) });
                    break;
                case 1:
                    var histo = new HistogramProto { Min = NextDouble(random), Max = NextDouble(random), Num = random.Next(), Sum = NextDouble(random), SumSquares = NextDouble(random) };
                    for (int b = random.Next(0, 40); b > 0; b--)
                    {
                        histo.BucketLimit.Add(NextDouble(random));
                        histo.Bucket.Add(random.Next(0, 1000));
                    }

                    summary.Value.Add(new Summary.Types.Value { Tag = tag, Histo = histo });
                    break;
                default:
                    summary.Value.Add(new Summary.Types.Value
                    {
                        Tag = tag + "/text_summary",
                        Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = "text" } },
                        Tensor = new TensorProto { Dtype = DataType.DtString, StringVal = { ByteString.CopyFromUtf8($"note {random.Next()} ✓") } },
                    });
                    break;
            }
        }

        return new Event { Step = step, WallTime = 1.7e9 + (random.NextDouble() * 1e6), Summary = summary };
    }

    private static double NextDouble(Random random) =>
        random.Next(4) == 0 ? Specials[random.Next(Specials.Length)] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-12, 12));
}

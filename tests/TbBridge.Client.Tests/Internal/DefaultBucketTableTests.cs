using TbBridge.Internal;

namespace TbBridge.Client.Tests.Internal;

public class DefaultBucketTableTests
{
    [Fact]
    public void Bucket_AgreesWithBinarySearch_AtEveryLimitAndItsNeighbours()
    {
        var limits = HistogramBuckets.DefaultLimits;
        for (int i = 1; i < limits.Length - 1; i++)
        {
            foreach (double d in new[] { limits[i], Math.BitDecrement(limits[i]), Math.BitIncrement(limits[i]) })
            {
                Assert.Equal(HistogramBuckets.FindBucket(limits, d), DefaultBucketTable.Bucket(d));
                float f = (float)d;
                if (float.IsFinite(f))
                {
                    Assert.Equal(HistogramBuckets.FindBucket(limits, f), DefaultBucketTable.Bucket(f));
                    Assert.Equal(HistogramBuckets.FindBucket(limits, MathF.BitDecrement(f)), DefaultBucketTable.Bucket(MathF.BitDecrement(f)));
                    Assert.Equal(HistogramBuckets.FindBucket(limits, MathF.BitIncrement(f)), DefaultBucketTable.Bucket(MathF.BitIncrement(f)));
                }
            }
        }
    }

    [Fact]
    public void Bucket_AgreesWithBinarySearch_ForRandomValuesOfEveryMagnitude()
    {
        var random = new Random(7);
        var limits = HistogramBuckets.DefaultLimits;
        for (int i = 0; i < 200_000; i++)
        {
            double d = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (double.IsFinite(d) && d != double.MaxValue)
            {
                Assert.Equal(HistogramBuckets.FindBucket(limits, d), DefaultBucketTable.Bucket(d));
            }

            float f = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsFinite(f))
            {
                Assert.Equal(HistogramBuckets.FindBucket(limits, f), DefaultBucketTable.Bucket(f));
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.Epsilon)]
    [InlineData(-double.Epsilon)]
    [InlineData(float.MaxValue)]
    [InlineData(float.MinValue)]
    [InlineData(-double.MaxValue)]
    public void Bucket_AgreesWithBinarySearch_AtTheEdgesOfTheNumberLine(double d)
    {
        foreach (double x in new[] { d, -d })
        {
            if (x != double.MaxValue)
            {
                Assert.Equal(HistogramBuckets.FindBucket(HistogramBuckets.DefaultLimits, x), DefaultBucketTable.Bucket(x));
            }

            float f = (float)x;
            if (float.IsFinite(f))
            {
                Assert.Equal(HistogramBuckets.FindBucket(HistogramBuckets.DefaultLimits, f), DefaultBucketTable.Bucket(f));
            }
        }
    }
}

using System.Collections.Concurrent;
using TbBridge.Internal;

namespace TbBridge;

public sealed partial class SummaryWriter
{
    /// <summary>The scalar logged beside a histogram with its NaN count: <c>&lt;tag&gt;/nan_count</c>.</summary>
    public const string NanCountSuffix = "/nan_count";

    /// <summary>The scalar logged beside a histogram with its ±Inf count: <c>&lt;tag&gt;/inf_count</c>.</summary>
    public const string InfCountSuffix = "/inf_count";

    private readonly ConcurrentDictionary<string, bool> _nonFiniteTags = new(StringComparer.Ordinal);

    /// <summary>
    /// Logs the distribution of <paramref name="values"/> with TensorBoard's default buckets. The span is
    /// read before the call returns and need not outlive it. NaN and ±Inf never throw: they are counted,
    /// left out, and logged beside the histogram as <c>&lt;tag&gt;/nan_count</c> and <c>&lt;tag&gt;/inf_count</c>.
    /// </summary>
    public void AddHistogram(string tag, ReadOnlySpan<float> values, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        AddHistogramCore(tag, HistogramBuilder.Build(values), step);
    }

    /// <inheritdoc cref="AddHistogram(string, ReadOnlySpan{float}, long)"/>
    public void AddHistogram(string tag, ReadOnlySpan<double> values, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        AddHistogramCore(tag, HistogramBuilder.Build(values), step);
    }

    /// <summary>
    /// Logs the distribution of <paramref name="values"/> over explicit bucket limits (right edges,
    /// ascending; see <see cref="HistogramBuckets.FindBucket"/> for the rule).
    /// </summary>
    public void AddHistogram(string tag, ReadOnlySpan<float> values, ReadOnlySpan<double> bucketLimits, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        AddHistogramCore(tag, HistogramBuilder.Build(values, bucketLimits), step);
    }

    /// <inheritdoc cref="AddHistogram(string, ReadOnlySpan{float}, ReadOnlySpan{double}, long)"/>
    public void AddHistogram(string tag, ReadOnlySpan<double> values, ReadOnlySpan<double> bucketLimits, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        AddHistogramCore(tag, HistogramBuilder.Build(values, bucketLimits), step);
    }

    /// <summary>
    /// Logs a histogram computed elsewhere (PyTorch's <c>add_histogram_raw</c>; an on-device count through
    /// <see cref="HistogramData.FromCounts"/>). Its non-finite counts are logged as for <see cref="AddHistogram(string, ReadOnlySpan{float}, long)"/>.
    /// </summary>
    public void AddHistogramRaw(string tag, HistogramData histogram, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(histogram);
        AddHistogramCore(tag, histogram, step);
    }

    /// <summary>Logs a histogram given as PyTorch's <c>add_histogram_raw</c> takes it.</summary>
    public void AddHistogramRaw(string tag, double min, double max, double num, double sum, double sumSquares, ReadOnlySpan<double> bucketLimits, ReadOnlySpan<double> bucketCounts, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        AddHistogramCore(tag, HistogramData.Create(min, max, num, sum, sumSquares, bucketLimits, bucketCounts), step);
    }

    private void AddHistogramCore(string tag, HistogramData histogram, long step)
    {
        double wallTime = Now();
        Enqueue(new SummaryPoint(SummaryPointKind.Histogram, string.Empty, tag, step, wallTime, double.NaN, histogram));

        // Counts are logged from a tag's first non-finite value on, so healthy runs carry no extra
        // series and a series that returns to 0 stays visible.
        bool logCounts = histogram.NanCount + histogram.InfinityCount > 0;
        if (logCounts)
        {
            _nonFiniteTags.TryAdd(tag, true);
        }
        else
        {
            logCounts = _nonFiniteTags.ContainsKey(tag);
        }

        if (logCounts)
        {
            Enqueue(new SummaryPoint(SummaryPointKind.Scalar, string.Empty, tag + NanCountSuffix, step, wallTime, histogram.NanCount, null));
            Enqueue(new SummaryPoint(SummaryPointKind.Scalar, string.Empty, tag + InfCountSuffix, step, wallTime, histogram.InfinityCount, null));
        }
    }
}

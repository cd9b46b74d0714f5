namespace TbBridge;

/// <summary>
/// One logged point, as the <see cref="SummaryWriter"/> hands it to every <see cref="ISummarySink"/>:
/// transport-neutral, immutable, and cheap to copy (a scalar point allocates nothing).
/// </summary>
/// <remarks>
/// <see cref="Run"/> is the sub-run the point belongs to, relative to the writer's log directory:
/// empty for the writer's own run, <c>"&lt;mainTag&gt;_&lt;key&gt;"</c> for
/// <see cref="SummaryWriter.AddScalars"/> (PyTorch's layout), the session name for
/// <see cref="SummaryWriter.AddHparams"/>.
/// </remarks>
public readonly struct SummaryPoint
{
    /// <summary>Internal kind of the queue's flush markers; never reaches a sink.</summary>
    internal const SummaryPointKind FlushMarkerKind = (SummaryPointKind)(-1);

    private readonly object? _payload;

    internal SummaryPoint(SummaryPointKind kind, string run, string tag, long step, double wallTime, double value, object? payload)
    {
        Kind = kind;
        Run = run;
        Tag = tag;
        Step = step;
        WallTime = wallTime;
        Value = value;
        _payload = payload;
    }

    /// <summary>What the point carries.</summary>
    public SummaryPointKind Kind { get; }

    /// <summary>Sub-run relative to the log directory; empty for the writer's own run.</summary>
    public string Run { get; }

    /// <summary>The tag as the caller gave it.</summary>
    public string Tag { get; }

    /// <summary>Training step.</summary>
    public long Step { get; }

    /// <summary>Seconds since the Unix epoch, with sub-second precision, taken when the point was added.</summary>
    public double WallTime { get; }

    /// <summary>The value of a <see cref="SummaryPointKind.Scalar"/> point (NaN and infinities pass through).</summary>
    public double Value { get; }

    /// <summary>The distribution of a <see cref="SummaryPointKind.Histogram"/> point, otherwise null.</summary>
    public HistogramData? Histogram => _payload as HistogramData;

    /// <summary>The markdown of a <see cref="SummaryPointKind.Text"/> point, otherwise null.</summary>
    public string? Text => _payload as string;

    /// <summary>The session description of a <see cref="SummaryPointKind.Hparams"/> point, otherwise null.</summary>
    public HparamsData? Hparams => _payload as HparamsData;

    internal object? Payload => _payload;

    /// <summary>A scalar point.</summary>
    public static SummaryPoint CreateScalar(string run, string tag, long step, double wallTime, double value)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(tag);
        return new SummaryPoint(SummaryPointKind.Scalar, run, tag, step, wallTime, value, null);
    }

    /// <summary>A histogram point.</summary>
    public static SummaryPoint CreateHistogram(string run, string tag, long step, double wallTime, HistogramData histogram)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(histogram);
        return new SummaryPoint(SummaryPointKind.Histogram, run, tag, step, wallTime, double.NaN, histogram);
    }

    /// <summary>A text point (markdown).</summary>
    public static SummaryPoint CreateText(string run, string tag, long step, double wallTime, string text)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(text);
        return new SummaryPoint(SummaryPointKind.Text, run, tag, step, wallTime, double.NaN, text);
    }

    /// <summary>An hparams point: one session's hyperparameters, written into the run <paramref name="run"/>.</summary>
    public static SummaryPoint CreateHparams(string run, long step, double wallTime, HparamsData hparams)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(hparams);
        return new SummaryPoint(SummaryPointKind.Hparams, run, HparamsData.ExperimentTag, step, wallTime, double.NaN, hparams);
    }

    internal static SummaryPoint FlushMarker(object request) =>
        new(FlushMarkerKind, string.Empty, string.Empty, 0, 0, 0, request);
}

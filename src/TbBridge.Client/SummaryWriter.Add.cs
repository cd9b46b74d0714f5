using System.Globalization;
using System.Threading.Channels;
using TbBridge.Internal;

namespace TbBridge;

public sealed partial class SummaryWriter
{
    /// <summary>Logs one scalar (TensorBoard stores it as a 32-bit <c>simple_value</c>; sinks get the double).</summary>
    public void AddScalar(string tag, double value, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        Enqueue(new SummaryPoint(SummaryPointKind.Scalar, string.Empty, tag, step, Now(), value, null));
    }

    /// <summary>Logs one scalar.</summary>
    public void AddScalar(string tag, float value, long step) => AddScalar(tag, (double)value, step);

    /// <summary>
    /// Logs several scalars to one chart, as PyTorch's <c>add_scalars</c> lays them out: each key is its own
    /// run <c>&lt;logDir&gt;/&lt;mainTag with '/' → '_'&gt;_&lt;key&gt;</c> holding the tag <paramref name="mainTag"/>.
    /// </summary>
    public void AddScalars(string mainTag, IReadOnlyDictionary<string, double> values, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(mainTag);
        ArgumentNullException.ThrowIfNull(values);
        double wallTime = Now();
        string prefix = mainTag.Replace('/', '_') + "_";
        foreach (var (key, value) in values)
        {
            string run = RunNames.Validate(prefix + key, nameof(values));
            Enqueue(new SummaryPoint(SummaryPointKind.Scalar, run, mainTag, step, wallTime, value, null));
        }
    }

    /// <summary>
    /// Logs markdown for TensorBoard's Text tab (stored as tag <c>&lt;tag&gt;/text_summary</c> with the text
    /// plugin's metadata, as PyTorch does).
    /// </summary>
    public void AddText(string tag, string markdown, long step)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(markdown);
        Enqueue(new SummaryPoint(SummaryPointKind.Text, string.Empty, tag, step, Now(), double.NaN, markdown));
    }

    /// <summary>
    /// Records one training session's hyperparameters and final metrics for TensorBoard's HPARAMS tab, as
    /// PyTorch's <c>add_hparams</c> does: in the sub-run <paramref name="runName"/> (default: the current
    /// Unix time in seconds, like PyTorch), the hparams plugin's experiment, session start and session end
    /// records, then each metric as a scalar.
    /// </summary>
    public void AddHparams(IReadOnlyDictionary<string, HparamValue> hparams, IReadOnlyDictionary<string, double> metrics, string? runName = null, long step = 0)
    {
        ArgumentNullException.ThrowIfNull(hparams);
        ArgumentNullException.ThrowIfNull(metrics);
        double wallTime = Now();
        string run = RunNames.Validate(runName ?? wallTime.ToString("0.000000", CultureInfo.InvariantCulture), nameof(runName));
        var data = new HparamsData(hparams, metrics.Keys);
        Enqueue(new SummaryPoint(SummaryPointKind.Hparams, run, HparamsData.ExperimentTag, step, wallTime, double.NaN, data));
        foreach (var (tag, value) in metrics)
        {
            Enqueue(new SummaryPoint(SummaryPointKind.Scalar, run, tag, step, wallTime, value, null));
        }
    }

    /// <summary>
    /// Waits until every point added before the call has reached every sink and is durable there (on disk
    /// for event files). Throws (an <see cref="IOException"/> with the sinks' exceptions inside) if a sink failed since the previous <c>Flush</c> call; periodic flushes keep those errors for it.
    /// </summary>
    public void Flush() => FlushAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Completes when every point added before the call has reached every sink and is durable there (on
    /// disk for event files). Throws (an <see cref="IOException"/> with the sinks' exceptions inside) if a sink failed since the previous <c>Flush</c> call; periodic flushes keep those errors for it.
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var request = new FlushRequest();
        try
        {
            await _channel.Writer.WriteAsync(SummaryPoint.FlushMarker(request), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SummaryWriter));
        }

        await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

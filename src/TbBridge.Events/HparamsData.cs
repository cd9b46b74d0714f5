using System.Collections.ObjectModel;

namespace TbBridge;

/// <summary>
/// One session's hyperparameters and the tags of the metrics it reports, as the writer's <c>AddHparams</c>
/// records them (PyTorch's <c>add_hparams</c> layout: the experiment, session start and session end records
/// of TensorBoard's hparams plugin, in the session's run; <see cref="Events.EventEncoder.Hparams"/> encodes them).
/// It lives beside the encoder, in the format's assembly, under the namespace the writer's users know.
/// </summary>
public sealed class HparamsData
{
    /// <summary>The tag TensorBoard's hparams plugin reads the experiment description from.</summary>
    public const string ExperimentTag = "_hparams_/experiment";

    /// <summary>The tag of the session's start record (its hyperparameter values).</summary>
    public const string SessionStartInfoTag = "_hparams_/session_start_info";

    /// <summary>The tag of the session's end record (its status).</summary>
    public const string SessionEndInfoTag = "_hparams_/session_end_info";

    /// <summary>A session description; the lists are copied.</summary>
    public HparamsData(IEnumerable<KeyValuePair<string, HparamValue>> hparams, IEnumerable<string> metricTags)
    {
        ArgumentNullException.ThrowIfNull(hparams);
        ArgumentNullException.ThrowIfNull(metricTags);
        var values = new List<KeyValuePair<string, HparamValue>>(hparams);
        foreach (var pair in values)
        {
            ArgumentException.ThrowIfNullOrEmpty(pair.Key, nameof(hparams));
            if (pair.Value.Kind == HparamValueKind.String && pair.Value.String is null)
            {
                throw new ArgumentException("A string hyperparameter needs a value: use HparamValue.FromString.", nameof(hparams));
            }
        }

        var tags = new List<string>(metricTags);
        foreach (string tag in tags)
        {
            ArgumentException.ThrowIfNullOrEmpty(tag, nameof(metricTags));
        }

        Hparams = values.AsReadOnly();
        MetricTags = tags.AsReadOnly();
    }

    /// <summary>Hyperparameter names and values, in the caller's order.</summary>
    public ReadOnlyCollection<KeyValuePair<string, HparamValue>> Hparams { get; }

    /// <summary>Scalar tags, in the same run, that the HPARAMS dashboard shows as this session's metrics.</summary>
    public ReadOnlyCollection<string> MetricTags { get; }
}

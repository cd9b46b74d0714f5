namespace TbBridge.Analysis.Internal;

/// <summary>
/// One histogram tag of a sub-run: its classification, and the names of the histograms it holds at one step. Keras 3
/// writes one histogram per layer under the same tag (<c>kernel/histogram</c>) at the same step, in layer order: the
/// first keeps the tag's name, the next are numbered <c>[1]</c>, <c>[2]</c>, ... (subject and tag alike).
/// </summary>
internal sealed class HistogramTag(SignalClassification signal, string name)
{
    private readonly List<(SignalClassification Signal, string Name)> _numbered = [(signal, name)];
    private long _step = long.MinValue;
    private int _index;

    public SignalClassification Signal { get; } = signal;

    /// <summary>The classification and name of the next histogram of this tag, at <paramref name="step"/>.</summary>
    public (SignalClassification Signal, string Name) Next(long step)
    {
        _index = step == _step ? _index + 1 : 0;
        _step = step;
        while (_numbered.Count <= _index)
        {
            var i = _numbered.Count;
            _numbered.Add((Signal with { Subject = $"{Signal.Subject}[{i}]" }, $"{_numbered[0].Name}[{i}]"));
        }

        return _numbered[_index];
    }
}

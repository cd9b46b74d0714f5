namespace TbBridge.Analysis.Internal;

/// <summary>
/// One histogram tag of a sub-run: its classification, and the names of the histograms it holds at one step. Keras 3
/// writes one histogram per layer under the same tag (<c>kernel/histogram</c>) at the same step, in layer order: the
/// first keeps the tag's name, the next are numbered <c>[1]</c>, <c>[2]</c>, ... (subject and tag alike). Each numbered
/// one is a tag of its own for the analyser's bound on tags.
/// </summary>
internal sealed class HistogramTag(SignalClassification signal, string name)
{
    private readonly List<(SignalClassification Signal, string Name)> _numbered = [(signal, name)];
    private long _step = long.MinValue;
    private int _index;

    public SignalClassification Signal { get; } = signal;

    /// <summary>The numbered histograms known so far (the tag itself included).</summary>
    public int Count => _numbered.Count;

    /// <summary>The index of the next histogram of this tag, at <paramref name="step"/>: 0 for the first of a step.</summary>
    public int Advance(long step)
    {
        _index = step == _step ? _index + 1 : 0;
        _step = step;
        return _index;
    }

    /// <summary>The classification and name of histogram <paramref name="index"/>, numbering those up to it (the caller admitted them).</summary>
    public (SignalClassification Signal, string Name) At(int index)
    {
        while (_numbered.Count <= index)
        {
            var i = _numbered.Count;
            _numbered.Add((Signal with { Subject = $"{Signal.Subject}[{i}]" }, $"{_numbered[0].Name}[{i}]"));
        }

        return _numbered[index];
    }
}

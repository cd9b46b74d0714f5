using TbBridge.Analysis;

namespace TbBridge.Server.Web.History;

/// <summary>The curves of one worker of a run: one <see cref="CurveSeries"/> per recognised tag, up to a cap.</summary>
internal sealed class WorkerCurves
{
    /// <summary>The roles drawn as curves, in the order the page shows them.</summary>
    public static readonly SignalRole[] Drawn = [SignalRole.TrainLoss, SignalRole.ValLoss, SignalRole.TrainAccuracy, SignalRole.ValAccuracy, SignalRole.LearningRate, SignalRole.GradNorm];

    private const int MaxClassifiedTags = 4096;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SignalRole> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SignalRole Role, CurveSeries Series)> _curves = new(StringComparer.Ordinal);
    private readonly int _points;
    private readonly int _maxCurves;
    private Task? _loaded;

    public WorkerCurves(int points, int maxCurves)
    {
        _points = points;
        _maxCurves = maxCurves;
    }

    /// <summary>Set once the worker's files have been read into this history (see <see cref="CurveHistory"/>).</summary>
    public Task? Loaded
    {
        get => Volatile.Read(ref _loaded);
        set => Volatile.Write(ref _loaded, value);
    }

    /// <summary>The role of a tag, if it is one of <see cref="Drawn"/>; classified once per tag.</summary>
    public SignalRole? RoleOf(string tag)
    {
        SignalRole role;
        lock (_gate)
        {
            if (!_roles.TryGetValue(tag, out role))
            {
                if (_roles.Count >= MaxClassifiedTags)
                {
                    return null;
                }

                role = SignalRules.Default.Classify(tag, SignalKind.Scalar).Role;
                _roles[tag] = role;
            }
        }

        return Array.IndexOf(Drawn, role) >= 0 ? role : null;
    }

    public void Add(string tag, SignalRole role, long step, double value)
    {
        lock (_gate)
        {
            AddLocked(tag, role, step, value);
        }
    }

    /// <summary>Takes <paramref name="fromFiles"/> (the worker's files, read whole) as the history, plus what this one holds past each curve's end there.</summary>
    public void MergeFrom(WorkerCurves fromFiles)
    {
        lock (_gate)
        {
            var mine = _curves.ToDictionary(c => c.Key, c => c.Value);
            _curves.Clear();
            foreach (var (tag, curve) in fromFiles.Snapshot())
            {
                _curves[tag] = (curve.Role, curve.Series);
            }

            foreach (var (tag, (role, series)) in mine)
            {
                long after = _curves.TryGetValue(tag, out var file) ? file.Series.LastStep ?? long.MinValue : long.MinValue;
                foreach (var (step, value) in series.Points(after))
                {
                    AddLocked(tag, role, step, value);
                }
            }
        }
    }

    /// <summary>The curves, copied, in <see cref="Drawn"/>'s order, then by tag.</summary>
    public (string Tag, SignalRole Role, (long Step, float Value)[] Points)[] CopyCurves()
    {
        lock (_gate)
        {
            return [.. _curves.Select(c => (c.Key, c.Value.Role, c.Value.Series.Points())).OrderBy(c => Array.IndexOf(Drawn, c.Role)).ThenBy(c => c.Key, StringComparer.Ordinal)];
        }
    }

    /// <summary>The first curve of one of <paramref name="roles"/> (in <see cref="Drawn"/>'s order), copied; null if none.</summary>
    public (long Step, float Value)[]? CopyFirst(params SignalRole[] roles)
    {
        lock (_gate)
        {
            var first = _curves.Where(c => Array.IndexOf(roles, c.Value.Role) >= 0)
                .OrderBy(c => Array.IndexOf(Drawn, c.Value.Role)).ThenBy(c => c.Key, StringComparer.Ordinal).FirstOrDefault();
            return first.Value.Series?.Points();
        }
    }

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _curves.Sum(c => c.Value.Series.Bytes + 64) + (_roles.Count * 48) + 256;
            }
        }
    }

    private Dictionary<string, (SignalRole Role, CurveSeries Series)> Snapshot() => _curves;

    private void AddLocked(string tag, SignalRole role, long step, double value)
    {
        if (!_curves.TryGetValue(tag, out var curve))
        {
            if (_curves.Count >= _maxCurves)
            {
                return;
            }

            curve = (role, new CurveSeries(_points));
            _curves[tag] = curve;
        }

        curve.Series.Add(step, value);
    }
}

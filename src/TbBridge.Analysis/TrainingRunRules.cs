using System.Text.Json;
using System.Text.RegularExpressions;

namespace TbBridge.Analysis;

/// <summary>
/// How run directories make up one training run, so that the rules see training and validation together. A run
/// (a directory holding event files, named by its path under the log directory) is a sub-run of its parent folder
/// when its last segment is a training or held-out word (Keras's <c>train/</c> and <c>validation/</c>, TF Estimator's
/// <c>eval/</c>), or when it holds a <c>_</c> and that parent is itself a run other than the log directory's root
/// (PyTorch's <c>add_scalars</c> writes <c>&lt;run&gt;/&lt;main&gt;_&lt;key&gt;/</c>).
/// A sub-run's role comes from its segments, last first: the whole segment, or its part after the last <c>_</c>,
/// matched against the training and held-out patterns. Immutable.
/// </summary>
/// <remarks>
/// Overridden by the <c>"trainingRuns"</c> section of a <c>--config</c> file:
/// <code>{"trainingRuns": {"group": true, "training": ["^train$"], "heldOut": ["^(val|validation)$"]}}</code>
/// A pattern list replaces its default; <c>"group": false</c> analyses every directory on its own.
/// </remarks>
public sealed class TrainingRunRules
{
    private const RegexOptions PatternOptions = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    private static readonly string[] DefaultTraining = [@"^(?:train|training)$"];
    private static readonly string[] DefaultHeldOut = [@"^(?:val|valid|validation|eval|evaluation|test|dev|holdout)$"];

    private readonly Regex[] _training;
    private readonly Regex[] _heldOut;

    private TrainingRunRules(bool group, IEnumerable<string> training, IEnumerable<string> heldOut)
    {
        Grouping = group;
        _training = [.. training.Select(p => new Regex(p, PatternOptions))];
        _heldOut = [.. heldOut.Select(p => new Regex(p, PatternOptions))];
    }

    /// <summary>The defaults described on the type.</summary>
    public static TrainingRunRules Default { get; } = new(true, DefaultTraining, DefaultHeldOut);

    /// <summary>False when every directory is analysed on its own.</summary>
    public bool Grouping { get; }

    /// <summary>The role a sub-run's name (a path relative to its training run) gives it.</summary>
    public SubRunRole RoleOf(string subRunName)
    {
        ArgumentNullException.ThrowIfNull(subRunName);
        var segments = subRunName.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            var segment = segments[i];
            var underscore = segment.LastIndexOf('_');
            foreach (var candidate in underscore > 0 ? [segment, segment[(underscore + 1)..]] : new[] { segment })
            {
                if (_heldOut.Any(r => r.IsMatch(candidate)))
                {
                    return SubRunRole.HeldOut;
                }

                if (_training.Any(r => r.IsMatch(candidate)))
                {
                    return SubRunRole.Training;
                }
            }
        }

        return SubRunRole.Other;
    }

    /// <summary>Groups runs (paths under one log directory, <c>/</c>-separated, <c>.</c> for the root) into training runs, ordered by name.</summary>
    public IReadOnlyList<TrainingRun> Group(IEnumerable<string> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var names = runs.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var set = names.ToHashSet(StringComparer.Ordinal);
        var members = new Dictionary<string, List<SubRun>>(StringComparer.Ordinal);
        foreach (var run in names)
        {
            var owner = Grouping ? OwnerOf(run, set) : run;
            var name = owner == run ? string.Empty : owner == "." ? run : run[(owner.Length + 1)..];
            if (!members.TryGetValue(owner, out var list))
            {
                members.Add(owner, list = []);
            }

            list.Add(new SubRun(run, name, name.Length == 0 ? SubRunRole.Other : RoleOf(name)));
        }

        return [.. members.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new TrainingRun(m.Key, [.. m.Value.OrderBy(s => s.Name.Length == 0 ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal)]))];
    }

    /// <summary>Parses the <c>"trainingRuns"</c> section of a config document (see the remarks); the defaults when it has none.</summary>
    /// <exception cref="FormatException">The section is malformed or a pattern is not a valid regex.</exception>
    public static TrainingRunRules LoadJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("trainingRuns", out var section))
            {
                return Default;
            }

            if (section.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Training runs: \"trainingRuns\" must be an object.");
            }

            var group = !section.TryGetProperty("group", out var g) || g.ValueKind != JsonValueKind.False;
            return new TrainingRunRules(group, Patterns(section, "training", DefaultTraining), Patterns(section, "heldOut", DefaultHeldOut));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Training runs: invalid JSON ({ex.Message}).", ex);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"Training runs: invalid pattern ({ex.Message}).", ex);
        }
    }

    /// <summary>The training run a run belongs to: its parent's, when it is a sub-run; else itself.</summary>
    private string OwnerOf(string run, HashSet<string> runs)
    {
        if (run == ".")
        {
            return run;
        }

        var slash = run.LastIndexOf('/');
        var parent = slash < 0 ? "." : run[..slash];
        var last = run[(slash + 1)..];
        var word = _training.Any(r => r.IsMatch(last)) || _heldOut.Any(r => r.IsMatch(last));
        // add_scalars: <run>/<main>_<key>/ inside a run folder (never the log directory's root: its subfolders are experiments).
        var addScalars = parent != "." && last.Contains('_', StringComparison.Ordinal) && runs.Contains(parent);
        return word || addScalars ? OwnerOf(parent, runs) : run;
    }

    private static string[] Patterns(JsonElement section, string name, string[] defaults)
    {
        if (!section.TryGetProperty(name, out var list))
        {
            return defaults;
        }

        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new FormatException($"Training runs: \"{name}\" must be an array of patterns.");
        }

        return [.. list.EnumerateArray().Select(e => e.GetString()!)];
    }
}

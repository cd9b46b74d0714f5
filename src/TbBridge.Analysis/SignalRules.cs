using System.Text.Json;
using System.Text.RegularExpressions;
using TbBridge.Analysis.Internal;

namespace TbBridge.Analysis;

/// <summary>
/// Maps tag names to <see cref="SignalRole"/>s: an ordered list of <see cref="SignalRule"/>s, first match wins.
/// <see cref="Default"/> covers the names people actually use; a JSON file adds rules in front of them (or replaces them):
/// <code>{"replaceDefaults": false, "rules": [{"pattern": "^my/objective$", "role": "train_loss", "appliesTo": "scalar"}]}</code>
/// Immutable and thread-safe.
/// </summary>
public sealed class SignalRules
{
    private SignalRules(IReadOnlyList<SignalRule> rules) => Rules = rules;

    /// <summary>The rules, in the order they are tried.</summary>
    public IReadOnlyList<SignalRule> Rules { get; }

    /// <summary>The built-in rules (documented in docs/detection.md).</summary>
    public static SignalRules Default { get; } = new(DefaultSignalRules.Create());

    /// <summary>Rules made of <paramref name="rules"/> alone, in order.</summary>
    public static SignalRules FromRules(IEnumerable<SignalRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new SignalRules(Validate(rules.ToArray()));
    }

    /// <summary>These rules with <paramref name="rules"/> tried first.</summary>
    public SignalRules WithRulesFirst(IEnumerable<SignalRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new SignalRules(Validate([.. rules, .. Rules]));
    }

    /// <summary>Parses an override document (see the type's summary); its rules go in front of <see cref="Default"/> unless <c>replaceDefaults</c> is true.</summary>
    /// <exception cref="FormatException">The document is not valid, a role is unknown or a pattern is not a valid regex.</exception>
    public static SignalRules LoadJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Signal rules: the document must be a JSON object.");
            }

            var replace = root.TryGetProperty("replaceDefaults", out var r) && r.ValueKind == JsonValueKind.True;
            var rules = new List<SignalRule>();
            if (root.TryGetProperty("rules", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new FormatException("Signal rules: \"rules\" must be an array.");
                }

                foreach (var item in list.EnumerateArray())
                {
                    rules.Add(ParseRule(item));
                }
            }

            return replace ? FromRules(rules) : Default.WithRulesFirst(rules);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Signal rules: invalid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>Reads and parses an override file (see <see cref="LoadJson"/>).</summary>
    public static SignalRules FromFile(string path) => LoadJson(File.ReadAllText(path));

    /// <summary>The role of <paramref name="tag"/> for a point of <paramref name="kind"/> (Scalar or Histogram).</summary>
    public SignalClassification Classify(string tag, SignalKind kind)
    {
        ArgumentNullException.ThrowIfNull(tag);
        foreach (var rule in Rules)
        {
            if (rule.AppliesTo != SignalKind.Any && rule.AppliesTo != kind)
            {
                continue;
            }

            Match m;
            try
            {
                m = rule.Regex.Match(tag);
            }
            catch (RegexMatchTimeoutException)
            {
                continue; // a pathological tag against a user's pattern: treat as no match rather than fail the run
            }

            if (m.Success)
            {
                var g = m.Groups["subject"];
                return new SignalClassification(rule.Role, g.Success && g.Length > 0 ? g.Value : tag);
            }
        }

        return new SignalClassification(SignalRole.Unknown, tag);
    }

    /// <summary>Parses a role name: snake_case (<c>train_loss</c>) or the enum name (<c>TrainLoss</c>).</summary>
    public static SignalRole ParseRole(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var compact = name.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return Enum.TryParse<SignalRole>(compact, ignoreCase: true, out var role) && Enum.IsDefined(role)
            ? role
            : throw new FormatException($"Signal rules: unknown role '{name}'.");
    }

    private static SignalRule ParseRule(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object
            || !item.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.String
            || !item.TryGetProperty("role", out var ro) || ro.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("Signal rules: each rule needs string \"pattern\" and \"role\".");
        }

        var kind = SignalKind.Any;
        if (item.TryGetProperty("appliesTo", out var a) && a.ValueKind == JsonValueKind.String
            && !Enum.TryParse(a.GetString(), ignoreCase: true, out kind))
        {
            throw new FormatException($"Signal rules: unknown appliesTo '{a.GetString()}' (any, scalar, histogram).");
        }

        return new SignalRule(p.GetString()!, ParseRole(ro.GetString()!), kind);
    }

    private static SignalRule[] Validate(SignalRule[] rules)
    {
        foreach (var rule in rules)
        {
            try
            {
                _ = rule.Regex;
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"Signal rules: invalid pattern '{rule.Pattern}' ({ex.Message}).", ex);
            }
        }

        return rules;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace TorchSharpTraining;

/// <summary>The sample's command line.</summary>
internal sealed partial record SampleOptions(Fault? Fault, string Model, string Schedule, int Steps, string LogDir, bool StopOnCritical, Uri? Remote, string? ApiKey, int Seed)
{
    public const string Usage = """
        TorchSharpTraining [--fault NAME] [--model mlp|cnn|gru] [--schedule NAME] [--steps N] [--logdir DIR]
                           [--no-stop] [--remote URL [--api-key KEY]] [--seed N]

          --fault NAME   inject a seed fault (default: none, a healthy run). One of:
        {0}
          --model NAME   mlp (default), cnn (two 1-D convolutions) or gru (a GRU over 5 steps of 4 features)
          --schedule S   learning-rate schedule: constant (default), cosine, step (x0.1 at 50% and 75%),
                         warmup-cosine (linear warm-up over 10%, then cosine)
          --steps N      training steps (default 300; 600 for overfit, 800 for heavy-dropout)
          --logdir DIR   where the event files go (default runs/[<model>-]<fault or healthy>)
          --no-stop      report critical alerts but keep training
          --remote URL   also stream to a TbBridge service, e.g. http://127.0.0.1:5080 (port 5080 when the URL
                         names none), as project torchsharp-sample, run <model>-<fault>
          --api-key KEY  the service's API key for --remote (default: env TBBRIDGE_API_KEY)
          --seed N       random seed (default 1)
        Exit code: 0 when the watchdog named the injected fault (or, healthy, raised no warning); 1 when it did not;
        2 on bad usage; 3 when libtorch cannot load here.
        """;

    public static SampleOptions? Parse(string[] args, TextWriter error)
    {
        Fault? fault = null;
        string model = "mlp";
        string schedule = "constant";
        int? steps = null;
        string? logDir = null;
        bool stop = true;
        Uri? remote = null;
        string? apiKey = null;
        int seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--fault":
                    string name = Value();
                    fault = Fault.Find(name) ?? throw new FormatException($"unknown fault '{name}'");
                    break;
                case "--model":
                    model = Value();
                    if (model is not ("mlp" or "cnn" or "gru"))
                    {
                        throw new FormatException($"unknown model '{model}' (mlp, cnn or gru)");
                    }

                    break;
                case "--schedule":
                    schedule = Value();
                    if (!LearningRateSchedule.Names.Contains(schedule))
                    {
                        throw new FormatException($"unknown schedule '{schedule}' ({string.Join(", ", LearningRateSchedule.Names)})");
                    }

                    break;
                case "--steps":
                    steps = ParseCount("--steps", Value());
                    break;
                case "--logdir":
                    logDir = Value();
                    break;
                case "--no-stop":
                    stop = false;
                    break;
                case "--remote":
                    remote = ParseServer(Value());
                    break;
                case "--api-key":
                    apiKey = Value();
                    break;
                case "--seed":
                    string text = Value();
                    seed = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : throw new FormatException($"--seed needs a whole number, not '{text}'");
                    break;
                case "-h" or "--help":
                    error.WriteLine(HelpText());
                    return null;
                default:
                    throw new FormatException($"unknown argument '{args[i]}'");
            }
        }

        apiKey ??= Environment.GetEnvironmentVariable("TBBRIDGE_API_KEY") is { Length: > 0 } key ? key : null;
        if (apiKey is not null && remote is null)
        {
            throw new FormatException("--api-key is for --remote: give the service's URL too");
        }

        return new SampleOptions(
            fault,
            model,
            schedule,
            steps ?? fault?.Name switch
            {
                "overfit" => 600,
                "heavy-dropout" => 800,
                _ => 300,
            },
            logDir ?? Path.Combine("runs", RunName(model, fault)),
            stop,
            remote,
            remote is null ? null : apiKey,
            seed);
    }

    /// <summary>The service's address: http(s) only, port 5080 (the service's) when the URL names none.</summary>
    public static Uri ParseServer(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw new FormatException($"--remote needs a URL such as http://127.0.0.1:5080, not '{value}'");
        }

        return ExplicitPort().IsMatch(value) ? uri : new UriBuilder(uri) { Port = 5080 }.Uri;
    }

    private static int ParseCount(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"{option} needs a positive whole number, not '{value}'");

    /// <summary>The run's name: the fault (or <c>healthy</c>), prefixed by the model when it is not the MLP.</summary>
    public string RunName() => RunName(Model, Fault);

    public static string HelpText() => string.Format(
        CultureInfo.InvariantCulture,
        Usage,
        string.Join(Environment.NewLine, Fault.All.Select(f => $"                   {f.Name,-20} {f.Description}")));

    [GeneratedRegex(@"^[a-z]+://(\[[^\]]*\]|[^/:?#\[]*):[0-9]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExplicitPort();

    private static string RunName(string model, Fault? fault) =>
        model == "mlp" ? fault?.Name ?? "healthy" : $"{model}-{fault?.Name ?? "healthy"}";
}

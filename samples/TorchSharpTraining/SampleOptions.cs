using System.Globalization;

namespace TorchSharpTraining;

/// <summary>The sample's command line.</summary>
internal sealed record SampleOptions(Fault? Fault, int Steps, string LogDir, bool StopOnCritical, Uri? Remote, int Seed)
{
    public const string Usage = """
        TorchSharpTraining [--fault NAME] [--steps N] [--logdir DIR] [--no-stop] [--remote URL] [--seed N]

          --fault NAME   inject a seed fault (default: none, a healthy run). One of:
        {0}
          --steps N      training steps (default 300; 600 for overfit, 800 for heavy-dropout)
          --logdir DIR   where the event files go (default runs/<fault or healthy>)
          --no-stop      report critical alerts but keep training
          --remote URL   also stream to a TbBridge service (e.g. http://127.0.0.1:5000)
          --seed N       random seed (default 1)
        Exit code: 0 when the watchdog named the injected fault (or, healthy, raised no warning); 2 otherwise.
        """;

    public static SampleOptions? Parse(string[] args, TextWriter error)
    {
        Fault? fault = null;
        int? steps = null;
        string? logDir = null;
        bool stop = true;
        Uri? remote = null;
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
                case "--steps":
                    steps = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--logdir":
                    logDir = Value();
                    break;
                case "--no-stop":
                    stop = false;
                    break;
                case "--remote":
                    remote = new Uri(Value());
                    break;
                case "--seed":
                    seed = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "-h" or "--help":
                    error.WriteLine(HelpText());
                    return null;
                default:
                    throw new FormatException($"unknown argument '{args[i]}'");
            }
        }

        return new SampleOptions(
            fault,
            steps ?? fault?.Name switch
            {
                "overfit" => 600,
                "heavy-dropout" => 800,
                _ => 300,
            },
            logDir ?? Path.Combine("runs", fault?.Name ?? "healthy"),
            stop,
            remote,
            seed);
    }

    public static string HelpText() => string.Format(
        CultureInfo.InvariantCulture,
        Usage,
        string.Join(Environment.NewLine, Fault.All.Select(f => $"                   {f.Name,-20} {f.Description}")));
}

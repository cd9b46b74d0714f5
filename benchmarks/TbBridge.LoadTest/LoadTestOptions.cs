using System.Globalization;

namespace TbBridge.LoadTest;

/// <summary>Command line: <c>--workers 64 --seconds 60 --batch 4096 --window 4 --rate POINTS_PER_S --page-viewers N --server URL --data-dir DIR --no-verify</c>.</summary>
internal sealed record LoadTestOptions
{
    public int Workers { get; init; } = 64;

    public int Seconds { get; init; } = 60;

    /// <summary>Scalar points per batch.</summary>
    public int BatchPoints { get; init; } = 4096;

    /// <summary>Batches a worker may have unacknowledged at once.</summary>
    public int Window { get; init; } = 4;

    /// <summary>Tags per worker (a few are loss-like, so the analysis has work to do).</summary>
    public int Tags { get; init; } = 16;

    /// <summary>A running service to load; null starts one (a separate process) on a free loopback port.</summary>
    public string? Server { get; init; }

    public string? DataDirectory { get; init; }

    public bool Verify { get; init; } = true;

    /// <summary>Points per second each worker sends at most; 0 = as fast as acks allow.</summary>
    public double RatePerWorker { get; init; }

    /// <summary>Workers that share one run (each its own stream and TensorBoard run under it); 1 = a run per worker.</summary>
    public int WorkersPerRun { get; init; } = 1;

    /// <summary>Page viewers (event stream open, runs list and one run fetched each second); 0 = none.</summary>
    public int PageViewers { get; init; }

    /// <summary>Seconds between NaN probes.</summary>
    public double ProbeInterval { get; init; } = 0.5;

    /// <summary>The slowest probes to list, each with its latency split in stages.</summary>
    public int SlowestProbes { get; init; } = 10;

    /// <summary>
    /// An Npgsql connection string: start two replicas on it (one data directory), spread the workers' connections
    /// over them in turn (a load balancer by connection), raise the probes' NaNs on the first and watch on the second.
    /// </summary>
    public string? Postgres { get; init; }

    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--workers" => options with { Workers = NextInt() },
                "--seconds" => options with { Seconds = NextInt() },
                "--batch" => options with { BatchPoints = NextInt() },
                "--window" => options with { Window = NextInt() },
                "--tags" => options with { Tags = NextInt() },
                "--server" => options with { Server = Next() },
                "--data-dir" => options with { DataDirectory = Next() },
                "--probe-interval" => options with { ProbeInterval = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--slowest-probes" => options with { SlowestProbes = NextInt() },
                "--workers-per-run" => options with { WorkersPerRun = NextInt() },
                "--rate" => options with { RatePerWorker = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--no-verify" => options with { Verify = false },
                "--postgres" => options with { Postgres = Next() },
                "--page-viewers" => options with { PageViewers = NextInt() },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        return options;
    }
}

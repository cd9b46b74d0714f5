using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using TbBridge.Protocol.V1;
using TbBridge.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using HistoValue = TbBridge.Events.Protos.Summary.Types.Value.ValueOneofCase;

namespace TbBridge.Server.Tests.EndToEnd;

/// <summary>
/// samples/python-worker against the real service, as a Python team would run it: the protocol code generated
/// from protos/ by generate.py, the worker (stream_run.py over tbbridge_worker.TbBridgeWriter) streaming a run
/// whose loss goes NaN, the service killed (SIGKILL) mid-stream and restarted on the same port and data
/// directory, and the Python watcher (watch_alerts.py) following Watch across the restart.
/// </summary>
public sealed class PythonWorkerTests(ITestOutputHelper output) : IDisposable
{
    private const string Project = "python";
    private const string Run = "synthetic";
    private const string Worker = "rank0";
    private const int Steps = 2000;
    private const int NanFrom = 1500;
    private const int HistogramEvery = 100;
    private const int KillAtStep = 500;

    private readonly TempFolder _data = new();
    private readonly TempFolder _generated = new();

    public void Dispose()
    {
        _data.Dispose();
        _generated.Dispose();
    }

    [PythonFact]
    public async Task PythonWorker_ServiceKilledMidStreamAndRestarted_EveryPointOnceAndNanInfOnWatch()
    {
        var environment = await GenerateAsync();

        int port = ChildProcessServer.FreePort();
        ChildProcessServer? server = await ChildProcessServer.StartAsync(_data.Path, port);
        try
        {
            string address = server.Address;
            using var watcher = PythonWorker.Start("watch_alerts.py", environment,
                "--server", address, "--project", Project, "--run", Run, "--kind", "nan_inf", "--count", "1");
            await WaitSubscribedAsync(watcher);

            using var worker = PythonWorker.Start("stream_run.py", environment,
                "--server", address, "--project", Project, "--run", Run, "--worker", Worker,
                "--steps", Steps.ToString(CultureInfo.InvariantCulture), "--nan-from", NanFrom.ToString(CultureInfo.InvariantCulture),
                "--histogram-every", HistogramEvery.ToString(CultureInfo.InvariantCulture), "--pace", "0.003", "--batch-points", "256");

            // Mid-stream: some batches durable, most of the run still to come.
            await Eventually.HoldsAsync(
                () => worker.HasExited || Progress(worker).Any(p => p.Step >= KillAtStep && p.Acked >= 1),
                $"the worker is past step {KillAtStep} with a batch acknowledged", timeoutSeconds: 120);
            int killedAt = Progress(worker).Select(p => p.Step).DefaultIfEmpty(-1).Max();
            server.Kill();
            server.Dispose();
            server = null;
            Assert.True(killedAt < Steps - 100 && !worker.HasExited, $"the service was killed at step {killedAt}, not mid-stream:\n{worker.Output}");
            server = await ChildProcessServer.StartAsync(_data.Path, port);

            int workerExit = await worker.WaitForExitAsync(TimeSpan.FromMinutes(3));
            output.WriteLine($"killed at step {killedAt}; worker:\n{string.Join('\n', worker.Lines.Where(l => !l.StartsWith("{\"step\"", StringComparison.Ordinal)))}");
            Assert.True(workerExit == 0, $"worker exited {workerExit}:\n{worker.Output}\n{worker.Error}");
            var done = Json(worker.Lines[^1]);
            Assert.True(done.GetProperty("done").GetBoolean());
            Assert.True(done.GetProperty("reconnects").GetInt32() >= 1, worker.Output);
            Assert.Contains(worker.Lines, l => l.Contains("\"opened\"", StringComparison.Ordinal) && l.Contains("resumed=True", StringComparison.Ordinal)
                && !l.Contains("last_sequence=0 ", StringComparison.Ordinal));

            // The Python watcher got the NaN's alert, across the restart.
            int watcherExit = await watcher.WaitForExitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"watcher:\n{watcher.Output}\n{watcher.Error}");
            Assert.True(watcherExit == 0, watcher.Output + watcher.Error);
            var alert = Json(watcher.Lines.Last(l => l.Contains("\"kind\"", StringComparison.Ordinal)));
            Assert.Equal(("nan_inf", "critical", Project, Run, Worker, "train/loss", (long)NanFrom),
                (alert.GetProperty("kind").GetString(), alert.GetProperty("severity").GetString(), alert.GetProperty("project").GetString(),
                 alert.GetProperty("run").GetString(), alert.GetProperty("worker").GetString(), alert.GetProperty("tag").GetString(),
                 alert.GetProperty("step").GetInt64()));

            // One run and worker, one breakdown: one alert, whatever the reconnects.
            using var channel = GrpcChannel.ForAddress(address);
            var listed = await new AlertService.AlertServiceClient(channel).ListAsync(new ListAlertsRequest
            {
                Filter = new AlertFilter { Project = Project, Run = Run, Kinds = { "nan_inf" } },
            });
            Assert.Equal([(long)NanFrom], listed.Alerts.Select(a => a.Step));
        }
        finally
        {
            server?.Dispose();
        }

        AssertEveryPointOnce();
    }

    [PythonFact]
    public async Task PythonWorker_RestartedWithTheSameStreamId_ContinuesTheStreamAndLosesNothing()
    {
        var environment = await GenerateAsync();
        await using var server = await InProcessServer.StartAsync(_data.Path);
        const string StreamId = "restarted-worker";
        int points = 0;
        foreach (int firstStep in (int[])[0, 100])
        {
            // 100 steps of three scalars in batches of 30 points: ten batches per process.
            using var worker = PythonWorker.Start("stream_run.py", environment,
                "--server", server.Address, "--project", Project, "--run", Run, "--worker", Worker, "--stream-id", StreamId,
                "--first-step", firstStep.ToString(CultureInfo.InvariantCulture), "--steps", "100", "--histogram-every", "0", "--batch-points", "30");
            int exitCode = await worker.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(exitCode == 0, $"exit {exitCode}:\n{worker.Output}\n{worker.Error}");
            var done = Json(worker.Lines[^1]);
            points += done.GetProperty("points").GetInt32();
            if (firstStep > 0)
            {
                Assert.Contains(worker.Lines, l => l.Contains("continuing the stream after batch", StringComparison.Ordinal));
            }
        }

        var held = IndependentEvents.Scalars(_data.Path, Project, Run);
        Assert.Equal(600, points);
        Assert.Equal(600, held.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), held.Where(p => p.Tag == "train/loss").Select(p => p.Step).Order());
    }

    [PythonFact]
    public async Task PythonWorker_NameTheServiceRefuses_StopsAndRaisesTheStatusWithoutRetrying()
    {
        var environment = await GenerateAsync();
        await using var server = await InProcessServer.StartAsync(_data.Path);
        using var worker = PythonWorker.Start("stream_run.py", environment,
            "--server", server.Address, "--project", "bad project", "--run", Run, "--steps", "50", "--histogram-every", "0");

        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 2, $"exit {exitCode}:\n{worker.Output}\n{worker.Error}");
        var error = Json(worker.Lines[^1]).GetProperty("error").GetString();
        Assert.StartsWith("INVALID_ARGUMENT: project 'bad project' contains ' '", error, StringComparison.Ordinal);
        Assert.DoesNotContain(worker.Lines, l => l.Contains("\"retry\"", StringComparison.Ordinal));
    }

    [PythonFact]
    public async Task PythonWorker_ServiceCertificateNotTrusted_StopsAtOnceSayingHowToTrustItThenStreamsWithItsCa()
    {
        var environment = await GenerateAsync();
        using var certificate = SelfSignedLoopbackCertificate();
        await using var server = await InProcessServer.StartAsync(
            _data.Path,
            builder => builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate)),
            "--urls", "https://127.0.0.1:0");
        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);

        using (var untrusted = PythonWorker.Start("stream_run.py", environment,
            "--server", server.Address, "--project", "p", "--run", Run, "--steps", "50", "--histogram-every", "0"))
        {
            int exitCode = await untrusted.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(exitCode == 2, $"exit {exitCode}:\n{untrusted.Output}\n{untrusted.Error}");
            var error = Json(untrusted.Lines[^1]).GetProperty("error").GetString();
            Assert.StartsWith("UNAVAILABLE: the service's TLS certificate is not trusted here", error, StringComparison.Ordinal);
            Assert.DoesNotContain(untrusted.Lines, l => l.Contains("\"retry\"", StringComparison.Ordinal));
        }

        string ca = Path.Combine(_generated.Path, "ca.pem");
        await File.WriteAllTextAsync(ca, certificate.ExportCertificatePem());
        using var trusted = PythonWorker.Start("stream_run.py", environment,
            "--server", server.Address, "--project", "p", "--run", Run, "--steps", "50", "--histogram-every", "0", "--ca-file", ca);
        int trustedExit = await trusted.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(trustedExit == 0, $"exit {trustedExit}:\n{trusted.Output}\n{trusted.Error}");
    }

    /// <summary>A certificate for 127.0.0.1 that no machine trusts: what a private CA's certificate is to a client without it.</summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=tbbridge-test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
    }

    [PythonFact]
    public async Task Histogram_SameValuesAsTheDotNetWriter_SameBucketsStatisticsAndNonFiniteCounts()
    {
        // Zeros of both signs, exact limits, values between limits, beyond the last finite limit, NaN and ±Inf.
        double[] values = [0.0, -0.0, 1e-12, -1e-12, 1e-13, 0.5, 1.0, -1.0, 1.1, 3.14159, -2.71828, 1e19, -1e19, 1e25, -1e25,
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 42.0, 42.0, 42.0, 7e-5, -7e-5];
        string script = Path.Combine(_generated.Path, "histogram.py");
        await File.WriteAllTextAsync(script, $$"""
            import json, sys
            sys.path.insert(0, {{JsonSerializer.Serialize(PythonWorker.SampleDirectory)}})
            import tbbridge_worker
            print(json.dumps(tbbridge_worker.histogram([float(a) for a in sys.argv[1:]])))
            """);
        var python = await PythonWorker.RunAsync(script, await GenerateAsync(), [.. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);
        Assert.True(python.ExitCode == 0, python.Output);
        var fromPython = Json(python.Output.Trim().Split('\n')[^1]);

        await using (var writer = new SummaryWriter(_data.Path))
        {
            writer.AddHistogram("h", values, 0);
        }

        var records = Directory.EnumerateFiles(_data.Path, "*tfevents*").SelectMany(f => IndependentEvents.Records(File.ReadAllBytes(f)))
            .SelectMany(e => e.Summary?.Value ?? []).ToArray();
        var histo = Assert.Single(records, v => v.Tag == "h").Histo;
        Assert.Equal([.. histo.BucketLimit], fromPython.GetProperty("bucket_limit").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal([.. histo.Bucket], fromPython.GetProperty("bucket").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal((histo.Min, histo.Max, histo.Num), (fromPython.GetProperty("min").GetDouble(), fromPython.GetProperty("max").GetDouble(), fromPython.GetProperty("num").GetDouble()));
        Assert.Equal(histo.Sum, fromPython.GetProperty("sum").GetDouble(), 1e-9 * Math.Abs(histo.Sum));
        Assert.Equal(histo.SumSquares, fromPython.GetProperty("sum_squares").GetDouble(), 1e-9 * histo.SumSquares);
        Assert.Equal(
            (records.Single(v => v.Tag == "h/nan_count").SimpleValue, records.Single(v => v.Tag == "h/inf_count").SimpleValue),
            ((float)fromPython.GetProperty("nan_count").GetInt32(), (float)fromPython.GetProperty("inf_count").GetInt32()));
    }

    /// <summary>Every point the worker logged is in the service's files exactly once, read back by the tests' own decoder.</summary>
    private void AssertEveryPointOnce()
    {
        string runDirectory = EventFiles.RunDirectory(_data.Path, Project, Run);
        var scalars = new List<(string Tag, long Step, float Value)>();
        var histograms = new List<(string Tag, long Step, double Num, double BucketTotal)>();
        foreach (string file in Directory.EnumerateFiles(runDirectory, "*tfevents*", SearchOption.AllDirectories))
        {
            foreach (var evt in IndependentEvents.Records(File.ReadAllBytes(file)))
            {
                foreach (var v in evt.Summary?.Value.Where(v => v.Tag != IndependentEvents.ServiceTag) ?? [])
                {
                    if (v.ValueCase == HistoValue.SimpleValue)
                    {
                        scalars.Add((v.Tag, evt.Step, v.SimpleValue));
                    }
                    else if (v.ValueCase == HistoValue.Histo)
                    {
                        histograms.Add((v.Tag, evt.Step, v.Histo.Num, v.Histo.Bucket.Sum()));
                    }
                }
            }
        }

        string[] tags = ["train/loss", "train/accuracy", "train/lr"];
        var expected = tags.SelectMany(t => Enumerable.Range(0, Steps).Select(s => (t, (long)s))).Order().ToArray();
        Assert.Equal(expected, scalars.Select(p => (p.Tag, p.Step)).Order().ToArray()); // each once: no loss, no double
        foreach (var (tag, step, value) in scalars)
        {
            double want = tag switch
            {
                "train/loss" => step >= NanFrom ? double.NaN : (2.0 * Math.Exp(-step / 500.0)) + 0.01,
                "train/accuracy" => (double)step / Steps,
                _ => 0.1,
            };
            Assert.True(double.IsNaN(want) ? float.IsNaN(value) : Math.Abs(value - want) <= 1e-6 * Math.Max(1, Math.Abs(want)), $"{tag} at step {step}: {value}, expected {want}");
        }

        Assert.Equal(Enumerable.Range(0, Steps / HistogramEvery).Select(i => (long)(i * HistogramEvery)), histograms.Select(h => h.Step).Order());
        Assert.All(histograms, h => Assert.Equal(("weights/fc1.weight", 256.0, 256.0), (h.Tag, h.Num, h.BucketTotal)));
    }

    /// <summary>Generates the protocol code from protos/ into this test's folder; the environment that points the scripts at it.</summary>
    private async Task<Dictionary<string, string>> GenerateAsync()
    {
        var environment = new Dictionary<string, string> { ["TBBRIDGE_PY_GENERATED"] = _generated.Path };
        var generated = await PythonWorker.RunAsync("generate.py", environment);
        Assert.True(generated.ExitCode == 0, generated.Output);
        return environment;
    }

    /// <summary>
    /// Waits for the watcher's "subscribed" line: it prints it when Watch's response headers arrive, which the service
    /// sends once the subscription is registered. A service that sends its headers only with the first alert (before
    /// that change) never says so while no alert is stored: then the test goes on after a short wait, and the alert
    /// still reaches the watcher, since Watch starts with the stored alerts.
    /// </summary>
    private async Task WaitSubscribedAsync(PythonProcess watcher)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!watcher.Lines.Any(l => l.Contains("\"subscribed\"", StringComparison.Ordinal)))
        {
            Assert.False(watcher.HasExited, "the watcher exited: " + watcher.Output + watcher.Error);
            if (DateTime.UtcNow >= deadline)
            {
                output.WriteLine("note: no Watch headers within 10 s (this service sends them with the first alert); going on, relying on Watch's history");
                return;
            }

            await Task.Delay(50);
        }
    }

    private static IEnumerable<(int Step, long Acked)> Progress(PythonProcess worker) =>
        worker.Lines.Where(l => l.StartsWith("{\"step\"", StringComparison.Ordinal)).Select(Json)
            .Select(p => (p.GetProperty("step").GetInt32(), p.GetProperty("acked_sequence").GetInt64()));

    private static JsonElement Json(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }
}

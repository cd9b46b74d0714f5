using TbBridge.Events;
using TbBridge.TorchSharp.Internal;
using TbBridge.TorchSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using TbBridge.Testing;

namespace TbBridge.TorchSharp.Tests;

public sealed class TrainingMonitorTests
{
    private const double LearningRate = 0.05;

    [TorchFact]
    public async Task Step_PlainSgd_NormsRatiosAndLearningRateAgreeWithAnIndependentComputation()
    {
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        using var net = new TinyClassifier(seed: 1);
        var expectedNorms = new Dictionary<(string Tag, long Step), double>();
        var expectedRatios = new Dictionary<(string Tag, long Step), double>();
        // Ratios come with the histograms: every step here, with no histogram of any kind switched on.
        var options = new TrainingMonitorOptions { HistogramInterval = 1, WeightHistograms = false, GradientHistograms = false, ActivationHooks = false };
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        using (var monitor = new TrainingMonitor(writer, net.Model, options: options))
        using (var optimizer = optim.SGD(net.Model.parameters(), LearningRate))
        {
            var before = new Dictionary<string, float[]>();
            for (long step = 0; step < 4; step++)
            {
                using var scope = NewDisposeScope();
                var (inputs, labels) = net.Batch(step);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(net.Model.call(inputs), labels);
                loss.backward();
                optimizer.step();

                // Independent: per-parameter norms and update ratios in double precision on the host.
                double total = 0;
                foreach (var (name, p) in net.Model.named_parameters())
                {
                    double[] grad = [.. p.grad!.data<float>().Select(v => (double)v)];
                    float[] now = p.data<float>().ToArray();
                    double norm = Math.Sqrt(grad.Sum(g => g * g));
                    total += norm * norm;
                    expectedNorms[(TrainingTags.GradNorm(name), step)] = norm;
                    if (before.TryGetValue(name, out var prev))
                    {
                        double diff = Math.Sqrt(now.Zip(prev, (a, b) => (double)a - b).Sum(d => d * d));
                        expectedRatios[(TrainingTags.UpdateRatio(name), step)] = diff / Math.Sqrt(prev.Sum(v => (double)v * v));
                    }

                    before[name] = now;
                }

                expectedNorms[(TrainingTags.GradNormTotal, step)] = Math.Sqrt(total);
                monitor.Step(step, loss);
            }
        }

        var scalars = sink.Points.Where(p => p.Kind == SummaryPointKind.Scalar).ToDictionary(p => (p.Tag, p.Step), p => p.Value);
        foreach (var (key, expected) in expectedNorms)
        {
            Assert.Equal(expected, scalars[key], expected * 1e-5 + 1e-9);
        }

        Assert.Equal(3 * 6, expectedRatios.Count); // steps 1..3, six parameter tensors
        foreach (var (key, expected) in expectedRatios)
        {
            Assert.Equal(expected, scalars[key], expected * 1e-3 + 1e-9);
        }

        Assert.DoesNotContain(scalars.Keys, k => k.Tag.StartsWith("update_ratio/", StringComparison.Ordinal) && k.Step == 0);
        Assert.Equal(4, scalars.Keys.Count(k => k.Tag == TrainingTags.Loss));
        Assert.DoesNotContain(sink.Points, p => p.Kind == SummaryPointKind.Histogram);
    }

    [TorchFact]
    public async Task Step_HistogramInterval_WritesEveryDocumentedTagToTheEventFile()
    {
        using var folder = new TempFolder();
        using var net = new TinyClassifier(seed: 2);
        await using (var writer = new SummaryWriter(folder.Path))
        {
            using var optimizer = optim.Adam(net.Model.parameters(), 0.01);
            using var monitor = new TrainingMonitor(writer, net.Model, optimizer, new TrainingMonitorOptions { HistogramInterval = 5 });
            Assert.Equal(["relu1", "relu2"], monitor.HookedLayers);
            net.Train(monitor, optimizer, steps: 12);
        }

        // Read back through the Events reader: tag → (kind, steps).
        var run = Assert.Single(LogDirectory.DiscoverRuns(folder.Path));
        var errors = new List<EventReadError>();
        var byTag = RunReader.ReadRun(run, errors)
            .SelectMany(e => e.Values.Select(v => (e.Step, v.Tag, v.Kind, v.Scalar)))
            .GroupBy(x => x.Tag)
            .ToDictionary(g => g.Key, g => g.ToList());
        Assert.Empty(errors);

        long[] everyStep = [.. Enumerable.Range(0, 12).Select(i => (long)i)];
        long[] everyFifth = [0, 5, 10];
        AssertSeries(TrainingTags.Loss, ValueKind.Scalar, everyStep);
        AssertSeries(TrainingTags.LearningRate, ValueKind.Scalar, everyStep);
        Assert.All(byTag[TrainingTags.LearningRate], x => Assert.Equal(0.01, x.Scalar, 1e-9));
        AssertSeries(TrainingTags.GradNormTotal, ValueKind.Scalar, everyStep);
        AssertSeries(TrainingTags.GradNorm("fc1.weight"), ValueKind.Scalar, everyStep);
        AssertSeries(TrainingTags.UpdateRatio("out.bias"), ValueKind.Scalar, everyFifth[1..]); // the update of the step before each
        AssertSeries(TrainingTags.UpdateRatio("fc1.weight"), ValueKind.Scalar, everyFifth[1..]);
        AssertSeries(TrainingTags.Weights("fc2.weight"), ValueKind.Histogram, everyFifth);
        AssertSeries(TrainingTags.Gradients("fc2.bias"), ValueKind.Histogram, everyFifth);
        AssertSeries(TrainingTags.Activations("relu1"), ValueKind.Histogram, everyFifth);
        AssertSeries(TrainingTags.ZeroFraction("relu2"), ValueKind.Scalar, everyFifth);
        AssertSeries(TrainingTags.DeadFraction("relu2"), ValueKind.Scalar, everyFifth);

        void AssertSeries(string tag, ValueKind kind, long[] steps)
        {
            Assert.True(byTag.ContainsKey(tag), $"no {tag} in the event file");
            Assert.All(byTag[tag], x => Assert.Equal(kind, x.Kind));
            Assert.Equal(steps, byTag[tag].Select(x => x.Step).Order());
        }
    }

    [TorchFact]
    public async Task Step_MillionsOfValues_HistogramsComputedSideBySideMatchTheSpanOverload()
    {
        // Over HostValues.ParallelThreshold values in all: the monitor computes its histograms on the thread pool.
        manual_seed(6);
        using var model = nn.Sequential(("fc", nn.Linear(1024, 1024)), ("out", nn.Linear(1024, 3)));
        using (var scope = NewDisposeScope())
        {
            nn.functional.cross_entropy(model.call(randn(16, 1024)), randint(3, [16])).backward();
        }

        Assert.True(2 * model.parameters().Sum(p => p.numel()) >= HostValues.ParallelThreshold);
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        {
            var options = new TrainingMonitorOptions { HistogramInterval = 1, UpdateRatios = false, ActivationHooks = false };
            using var monitor = new TrainingMonitor(writer, model, options: options);
            monitor.Step(0);
            foreach (var (name, p) in model.named_parameters())
            {
                writer.AddHistogram("span/weights/" + name, p.data<float>().ToArray(), 0);
                writer.AddHistogram("span/grads/" + name, p.grad!.data<float>().ToArray(), 0);
            }
        }

        foreach (var (name, _) in model.named_parameters())
        {
            TensorHistogramTests.AssertSameHistogram(sink.Single("span/weights/" + name).Histogram!, sink.Single(TrainingTags.Weights(name)).Histogram!);
            TensorHistogramTests.AssertSameHistogram(sink.Single("span/grads/" + name).Histogram!, sink.Single(TrainingTags.Gradients(name)).Histogram!);
        }
    }

    [TorchFact]
    public async Task Step_LayerWithVeryNegativeBias_HooksReportItsDeadFraction()
    {
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        using var net = new TinyClassifier(seed: 3);
        using (no_grad())
        {
            net.Fc1.bias!.narrow(0, 0, 12).fill_(-100); // 12 of 32 units can never fire on N(0,1) inputs
        }

        // Independently: units of relu1 that are zero for the whole first batch.
        var (inputs, _) = net.Batch(0);
        double expectedDead, expectedZero;
        using (no_grad())
        using (var pre = net.Fc1.call(inputs))
        {
            float[] values = pre.data<float>().ToArray();
            int units = 32, batch = TinyClassifier.BatchSize;
            expectedDead = Enumerable.Range(0, units).Count(u => Enumerable.Range(0, batch).All(b => values[(b * units) + u] <= 0)) / (double)units;
            expectedZero = values.Count(v => v <= 0) / (double)values.Length;
        }

        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        using (var monitor = new TrainingMonitor(writer, net.Model, options: new TrainingMonitorOptions { HistogramInterval = 1 }))
        {
            net.Train(monitor, steps: 1, learningRate: 0.0);
        }

        Assert.True(expectedDead >= 12 / 32.0);
        Assert.Equal(expectedDead, sink.Single(TrainingTags.DeadFraction("relu1")).Value, 1e-12);
        Assert.Equal(expectedZero, sink.Single(TrainingTags.ZeroFraction("relu1")).Value, 1e-12);
        var histogram = sink.Single(TrainingTags.Activations("relu1")).Histogram!;
        Assert.Equal(0, histogram.Min);
        Assert.Equal(TinyClassifier.BatchSize * 32, histogram.Num);
    }

    [TorchFact]
    public async Task Step_TanhLayer_ReportsSaturatedFraction()
    {
        using var folder = new TempFolder();
        var sink = new CapturingSink();
        manual_seed(4);
        using var model = nn.Sequential(("fc", nn.Linear(4, 16)), ("tanh", nn.Tanh()), ("out", nn.Linear(16, 1)));
        using var inputs = randn(32, 4) * 100; // huge inputs: most tanh outputs are at ±1
        double expected;
        using (no_grad())
        using (var y = model.call(inputs))
        {
            var fc = (global::TorchSharp.Modules.Linear)model.named_modules().Single(m => m.name == "fc").module;
            using var t = fc.call(inputs).tanh();
            expected = t.data<float>().ToArray().Count(v => Math.Abs(v) > 0.99) / (double)t.numel();
        }

        await using (var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [sink], WriteEventFiles = false }))
        using (var monitor = new TrainingMonitor(writer, model, options: new TrainingMonitorOptions { HistogramInterval = 1 }))
        {
            model.train();
            using var output = model.call(inputs);
            using var loss = output.square().mean();
            loss.backward();
            monitor.Step(0, loss);
        }

        Assert.True(expected > 0.5);
        Assert.Equal(expected, sink.Single(TrainingTags.SaturatedFraction("tanh")).Value, 1e-12);
    }

    [TorchFact]
    public void Step_AfterDispose_Throws()
    {
        using var folder = new TempFolder();
        using var net = new TinyClassifier(seed: 5);
        using var writer = new SummaryWriter(folder.Path, new SummaryWriterOptions { Sinks = [new CapturingSink()], WriteEventFiles = false });
        var monitor = new TrainingMonitor(writer, net.Model);
        monitor.Dispose();

        using var output = net.Model.call(net.Batch(0).Inputs);
        Assert.Throws<ObjectDisposedException>(() => monitor.Step(0));
    }
}

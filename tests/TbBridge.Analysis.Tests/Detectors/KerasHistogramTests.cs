using TbBridge.Analysis.Tests.Support;

namespace TbBridge.Analysis.Tests.Detectors;

/// <summary>Keras's weight histograms: tf.keras <c>dense/kernel_0/histogram</c>, Keras 3 one <c>kernel/histogram</c> tag for every layer.</summary>
public sealed class KerasHistogramTests
{
    [Theory]
    [InlineData("dense/kernel_0/histogram", "dense/kernel_0")]
    [InlineData("dense_3/bias_0/histogram", "dense_3/bias_0")]
    [InlineData("kernel/histogram", "kernel")]
    [InlineData("bias/histogram", "bias")]
    [InlineData("conv2d/kernel_0/histogram", "conv2d/kernel_0")]
    [InlineData("lstm/recurrent_kernel_0/histogram", "lstm/recurrent_kernel_0")]
    public void Classify_KerasWeightHistogram_WeightsWithTheLayerAsSubject(string tag, string subject)
    {
        Assert.Equal(new SignalClassification(SignalRole.WeightHistogram, subject), SignalRules.Default.Classify(tag, SignalKind.Histogram));
    }

    /// <summary>Keras 3: per histogram epoch, one kernel/histogram per layer in layer order; <paramref name="frozen"/> never moves.</summary>
    private static RunAnalyzer Keras3Fit(int? frozen)
    {
        var a = new RunAnalyzer("fit");
        var train = new SubRun("fit/train", "train", SubRunRole.Training);
        for (long epoch = 0; epoch < 10; epoch++)
        {
            a.ObserveScalar(train, "epoch_loss", epoch, epoch, 0.05 + Math.Exp(-epoch / 2.0));
            for (var layer = 0; layer < 4; layer++)
            {
                var rms = layer == frozen ? 0.1 : 0.1 * (1 + (0.05 * epoch * (layer + 1)));
                a.ObserveHistogram(train, "kernel/histogram", epoch, epoch, Synthetic.Tensor(rms));
            }
        }

        a.Complete();
        return a;
    }

    [Fact]
    public void ObserveHistogram_OneKeras3LayerFrozen_NamedByItsPlaceUnderTheSharedTag()
    {
        var a = Keras3Fit(frozen: 2);
        var alert = a.AssertSingle(AlertKind.WeightsUnchanged);
        Assert.Equal(AlertSeverity.Info, alert.Severity);
        Assert.Equal("train/kernel/histogram[2]", alert.Tag);
        Assert.Contains("1 of 4 weight tensors", alert.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(a.Alerts, x => x.Kind == AlertKind.UnrecognizedSignals);
    }

    [Fact]
    public void ObserveHistogram_EveryKeras3LayerMoves_NothingToSay()
    {
        Assert.Empty(Keras3Fit(frozen: null).Alerts);
    }
}

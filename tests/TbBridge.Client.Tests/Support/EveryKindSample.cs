namespace TbBridge.Client.Tests.Support;

/// <summary>
/// One log directory with every kind the writer produces, for the stock-TensorBoard check on the device
/// machine (shared/tools/tb_verify.py). The values are simple closed forms so each can be checked by hand.
/// </summary>
internal static class EveryKindSample
{
    public const string Text = "**TbBridge** every-kind check\n\n| a | b |\n|---|---|\n| 1 | 2 |";

    public static void Write(string logDir)
    {
        using var writer = new SummaryWriter(logDir, new SummaryWriterOptions { HostName = "tbcheck" });

        for (int s = 0; s < 10; s++)
        {
            writer.AddScalar("kinds/scalar", s * 0.5, s);                     // 0, 0.5 ... 4.5
        }

        writer.AddScalar("kinds/scalar_special", double.NaN, 0);
        writer.AddScalar("kinds/scalar_special", double.PositiveInfinity, 1);
        writer.AddScalar("kinds/scalar_special", double.NegativeInfinity, 2);
        writer.AddScalar("kinds/scalar_special", 1.0, 3);

        for (int s = 0; s < 5; s++)
        {
            writer.AddScalars("kinds/group", new Dictionary<string, double> { ["train"] = 1.0 / (s + 1), ["val"] = 2.0 / (s + 1) }, s);
        }

        for (int s = 0; s < 3; s++)
        {
            writer.AddHistogram("kinds/hist_grid", Grid(s), s);               // (k-500)/100 + s, k = 0..999, each 10×
        }

        writer.AddHistogram("kinds/hist_nan", [1f, 2f, 3f, float.NaN, float.NaN, float.PositiveInfinity, float.NegativeInfinity], 0);
        writer.AddHistogram("kinds/hist_nan", [1f, 2f, 3f, 4f], 1);
        writer.AddHistogramRaw("kinds/hist_raw", -1, 1, 4, 0, 2, [-0.5, 0, 0.5, 1], [1, 1, 1, 1], 0);
        writer.AddText("kinds/notes", Text, 0);
        writer.AddHparams(
            new Dictionary<string, HparamValue> { ["lr"] = 0.001, ["optimizer"] = "adam", ["layers"] = 3, ["use_bn"] = true },
            new Dictionary<string, double> { ["hparam/val_loss"] = 0.25, ["hparam/val_acc"] = 0.9 },
            runName: "hparams-session");
    }

    public static float[] Grid(int step)
    {
        float[] values = new float[10_000];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((i % 1000) - 500) / 100f + step;
        }

        return values;
    }
}

namespace TorchSharpTraining;

/// <summary>The learning-rate schedules the sample can train with: the shapes healthy runs have in practice.</summary>
internal static class LearningRateSchedule
{
    public static IReadOnlyList<string> Names { get; } = ["constant", "cosine", "step", "warmup-cosine"];

    /// <summary>The factor on the base learning rate at <paramref name="step"/> of <paramref name="steps"/>.</summary>
    public static double Factor(string schedule, long step, long steps)
    {
        double progress = (double)step / steps;
        return schedule switch
        {
            // Cosine decay to zero over the run.
            "cosine" => 0.5 * (1 + Math.Cos(Math.PI * progress)),

            // ×0.1 at half and again at three quarters of the run.
            "step" => progress < 0.5 ? 1 : progress < 0.75 ? 0.1 : 0.01,

            // Linear warm-up over the first 10 %, then cosine decay.
            "warmup-cosine" => progress < 0.1
                ? (step + 1) / (0.1 * steps)
                : 0.5 * (1 + Math.Cos(Math.PI * (progress - 0.1) / 0.9)),
            _ => 1,
        };
    }
}

namespace TbBridge;

/// <summary>What a <see cref="SummaryPoint"/> carries.</summary>
public enum SummaryPointKind
{
    /// <summary>One number: <see cref="SummaryPoint.Value"/>.</summary>
    Scalar = 0,

    /// <summary>A bucketed distribution: <see cref="SummaryPoint.Histogram"/>.</summary>
    Histogram = 1,

    /// <summary>Markdown text for TensorBoard's Text tab: <see cref="SummaryPoint.Text"/>.</summary>
    Text = 2,

    /// <summary>A session's hyperparameters and the metric tags it reports: <see cref="SummaryPoint.Hparams"/>.</summary>
    Hparams = 3,
}

namespace TbBridge.Analysis;

/// <summary>What a tag means to the rules. Names in JSON override files are the snake_case forms (<c>train_loss</c>, ...).</summary>
public enum SignalRole
{
    /// <summary>No rule matched the tag.</summary>
    Unknown,

    /// <summary>Matched a rule that says: ignore this tag.</summary>
    Ignored,

    /// <summary>Training loss (per batch or per epoch).</summary>
    TrainLoss,

    /// <summary>Validation / evaluation / test loss.</summary>
    ValLoss,

    /// <summary>Training accuracy.</summary>
    TrainAccuracy,

    /// <summary>Validation accuracy.</summary>
    ValAccuracy,

    /// <summary>Learning rate.</summary>
    LearningRate,

    /// <summary>Global gradient norm (all parameters together).</summary>
    GradNorm,

    /// <summary>Gradient norm of one parameter tensor (scalar).</summary>
    ParamGradNorm,

    /// <summary>Histogram of one parameter's gradient.</summary>
    GradHistogram,

    /// <summary>Histogram of one parameter's values.</summary>
    WeightHistogram,

    /// <summary>Histogram of one layer's outputs (activations).</summary>
    ActivationHistogram,

    /// <summary>Histogram of predicted class indices.</summary>
    Predictions,

    /// <summary>Count of NaN or Inf values of another tag (<c>&lt;tag&gt;/nan_count</c>, <c>&lt;tag&gt;/inf_count</c>).</summary>
    NonFiniteCount,

    /// <summary>Held-out recall, precision or F1 (Hugging Face Trainer's <c>eval/recall</c>, <c>eval/f1</c>): 0 means the class it scores is never predicted.</summary>
    ValClassScore,

    /// <summary>Training recall, precision or F1: known, not judged (a held-out sub-run's becomes <see cref="ValClassScore"/>).</summary>
    TrainClassScore,
}

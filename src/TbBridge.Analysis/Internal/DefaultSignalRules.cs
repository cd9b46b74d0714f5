namespace TbBridge.Analysis.Internal;

/// <summary>The built-in tag rules. Order matters: first match wins.</summary>
internal static class DefaultSignalRules
{
    // A word boundary in tag names: start/end, or one of / _ . - space.
    private const string B = @"(?:^|[/_.\-\s])";
    private const string E = @"(?:$|[/_.\-\s])";
    private const string Held = "(?:val|vali|valid|validation|eval|evaluation|test|testing|dev|holdout|heldout)";
    private const string LossWord = @"(?:loss|cost|objective|nll|xent|cross_?entropy|(?<![a-z])(?:mse|bce|ce|ctc|rmse|mae|huber)(?![a-z]))";
    private const string Grad = "grad(?:ient)?s?";

    public static SignalRule[] Create() =>
    [
        // Our own logger's non-finite counters of a histogram.
        new(@"^(?<subject>.+)/(?:nan|inf)_count$", SignalRole.NonFiniteCount, SignalKind.Scalar),

        // Things that look like losses or rates but are not.
        new(@"loss[_\-\s]?scal(?:e|er|ing)|grad[_\-]?scal(?:e|er)|^hparams?/", SignalRole.Ignored),

        // Bookkeeping, not training signals.
        new(@"^(?:.*/)?(?:epoch|epochs|step|steps|global_step|iteration|iter|iterations|samples|examples|time|wall_?time|(?:train_)?runtime|total_flos|momentum|weight_decay|hp_metric|batch_size|throughput|.*per_?sec.*|.*_?per_second|.*memory.*|.*gpu.*)$", SignalRole.Ignored, SignalKind.Scalar),

        // TbBridge.TorchSharp's informational scalars: read by people, by no detector (dead ReLUs are judged on
        // the activation histograms themselves), but known, so a monitored run is not "unrecognised".
        new(@"^update_ratio/.+$", SignalRole.Ignored, SignalKind.Scalar),
        new(@"^activations/.+/(?:zero|dead|saturated)_fraction$", SignalRole.Ignored, SignalKind.Scalar),

        // Lightning's LearningRateMonitor also logs each optimiser's momentum and weight decay under its lr- name.
        new(@"^lr-.+[-_/](?:momentum|beta\d?|betas|weight[_\-]?decay)$", SignalRole.Ignored, SignalKind.Scalar),
        new($@"{B}(?:lr|learning[_\-\s]?rate|learningrate){E}|^lr|learning_?rate", SignalRole.LearningRate, SignalKind.Scalar),

        new($@"{B}(?:pred|preds|prediction|predictions|predicted|predicted[_\-]?class(?:es)?|argmax){E}", SignalRole.Predictions, SignalKind.Histogram),

        // Gradient norms: per named parameter, global, then per parameter by prefix.
        new($@"^(?<subject>.*(?:weight|bias|kernel|gamma|beta|embedding)\w*)[/_.\-]{Grad}[_\-]?norm$", SignalRole.ParamGradNorm, SignalKind.Scalar),
        new($@"^(?:.*{B})?(?:total[_\-\s]?|global[_\-\s]?)?{Grad}[_\-\s]?(?:l2[_\-\s]?)?norms?(?:[/_.\-\s](?:total|global|all|overall|l2))?$", SignalRole.GradNorm, SignalKind.Scalar),
        new(@"^(?:.*/)?(?:total|global)[_\-]?norm$", SignalRole.GradNorm, SignalKind.Scalar), // what clip_grad_norm_ returns, as it is named there
        new($@"^(?:.*{B})?{Grad}/(?:global[_\-]?|total[_\-]?)?norm$", SignalRole.GradNorm, SignalKind.Scalar),
        new(@"^(?:.*/)?grad_[\d.]+(?:_norm)?[_/](?:total|norm_total)$", SignalRole.GradNorm, SignalKind.Scalar),
        new(@"^(?:.*/)?grad_[\d.]+_norm[_/](?<subject>.+)$", SignalRole.ParamGradNorm, SignalKind.Scalar),
        new($@"^{Grad}[_\-\s]?norms?/(?<subject>.+)$", SignalRole.ParamGradNorm, SignalKind.Scalar),
        new($@"^{Grad}[_\-\s]?norms?[_\-](?<subject>.+)$", SignalRole.ParamGradNorm, SignalKind.Scalar),
        new($@"^(?<subject>.+?)[/_.\-]{Grad}[_\-]?norm$", SignalRole.ParamGradNorm, SignalKind.Scalar),
        new($@"^{Grad}/(?<subject>.+?)[/_.\-]norm$", SignalRole.ParamGradNorm, SignalKind.Scalar),

        // Losses: held-out first, then training.
        new($@"^(?=.*{LossWord})(?=.*{B}{Held}(?:$|[/_.\-\s]|{LossWord})).*$", SignalRole.ValLoss, SignalKind.Scalar),
        new($@"^(?=.*{LossWord})(?=.*{Held}[_\-]?{LossWord}).*$", SignalRole.ValLoss, SignalKind.Scalar),
        new(LossWord, SignalRole.TrainLoss, SignalKind.Scalar),

        // Accuracies: held-out first, then training.
        new($@"^(?=.*(?:acc|accuracy|top[_\-]?1))(?=.*{B}{Held}(?:$|[/_.\-\s]|acc)).*$", SignalRole.ValAccuracy, SignalKind.Scalar),
        new($@"{B}(?:acc|accuracy|top[_\-]?1)(?:$|[/_.\-\s@])|accuracy", SignalRole.TrainAccuracy, SignalKind.Scalar),

        // Recall, precision, F1 (the Hugging Face Trainer's eval/recall, eval/f1): held-out first, then training. Averaged
        // and per-class forms alike ("eval/f1_macro", "val_recall_1"); AUC and the like are not these.
        new($@"^(?=.*{B}(?:recall|precision|f1|f1[_\-]?score|fscore|f[_\-]?measure)(?:$|[/_.\-\s@]))(?=.*{B}{Held}(?:$|[/_.\-\s])).*$", SignalRole.ValClassScore, SignalKind.Scalar),
        new($@"{B}(?:recall|precision|f1|f1[_\-]?score|fscore|f[_\-]?measure)(?:$|[/_.\-\s@])", SignalRole.TrainClassScore, SignalKind.Scalar),

        // Histograms of gradients, activations, weights.
        // A prefix may sit under a namespace of its own: "grads/fc1.weight", "model/gradients/fc1.weight".
        new($@"^(?:[^/]+/)*?{Grad}[/_\-](?<subject>.+)$", SignalRole.GradHistogram, SignalKind.Histogram),
        new($@"^(?<subject>.+?)[/_.\-]{Grad}$", SignalRole.GradHistogram, SignalKind.Histogram),
        new(@"^(?:[^/]+/)*?(?:activations?|acts?|outputs?|layer_?outputs?)[/_\-](?<subject>.+)$", SignalRole.ActivationHistogram, SignalKind.Histogram),
        new(@"^act_(?<subject>.+)$", SignalRole.ActivationHistogram, SignalKind.Histogram),
        new(@"^(?<subject>.+?)[/_.\-](?:activations?|acts?)$", SignalRole.ActivationHistogram, SignalKind.Histogram),
        new($@"^(?<subject>(?:.*{B})?relu\d*(?:{E}.*)?)$", SignalRole.ActivationHistogram, SignalKind.Histogram),
        new(@"^(?:[^/]+/)*?(?:weights?|params?|parameters?)[/_\-](?<subject>.+)$", SignalRole.WeightHistogram, SignalKind.Histogram),
        // Keras's TensorBoard callback: tf.keras "dense/kernel_0/histogram", Keras 3 "kernel/histogram" (one tag for
        // every layer's kernel: several histograms per tag and step, numbered by the analyser).
        new(@"^(?<subject>(?:.+/)?(?:kernel|bias|gamma|beta|embeddings|recurrent_kernel|depthwise_kernel|pointwise_kernel|moving_mean|moving_variance)(?:_\d+)?)/histogram$", SignalRole.WeightHistogram, SignalKind.Histogram),
        new(@"^(?<subject>.+?[/_.](?:weight|weights|bias|kernel|w|b|gamma|beta|embedding|embeddings|weight_ih_l\d+|weight_hh_l\d+|bias_ih_l\d+|bias_hh_l\d+|recurrent_kernel)(?:_\d+)?(?::\d+)?)$", SignalRole.WeightHistogram, SignalKind.Histogram),
    ];
}

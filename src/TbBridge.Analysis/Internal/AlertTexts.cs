namespace TbBridge.Analysis.Internal;

/// <summary>The usual causes of each kind, shortly (the seed causes: learning rate, initialisation, normalisation, custom loss or layer, data).</summary>
internal static class AlertTexts
{
    public static string Hint(string kind) => kind switch
    {
        AlertKind.NanInf => "Usual causes: learning rate too high, log/division/sqrt of zero in a custom loss or layer, NaN or Inf in the input data, fp16 overflow without loss scaling.",
        AlertKind.Divergence => "Usual causes: learning rate too high (or warm-up too short), unnormalised inputs, exploding initialisation; lower the LR or add gradient clipping.",
        AlertKind.ExplodingGradients => "Usual causes: learning rate too high, weight initialisation with too large a scale, unnormalised inputs, missing normalisation layers; clip gradients or fix the init.",
        AlertKind.VanishingGradients => "Usual causes: deep stacks of saturating activations (sigmoid/tanh), poor initialisation, missing residual connections or normalisation; use ReLU-family activations, He/Xavier init, BatchNorm/LayerNorm.",
        AlertKind.DeadRelu => "Usual causes: large negative biases, learning rate too high, bad initialisation; try LeakyReLU/GELU, a smaller LR, or re-initialise biases to zero.",
        AlertKind.LossSpike => "Usual causes: a bad or mislabelled batch, an outlier sample, a learning-rate jump; check the data at that step, consider gradient clipping.",
        AlertKind.Oscillation => "Usual causes: learning rate too high (gradient clipping can hide it), momentum too high, batch too small; lower the LR or use a schedule.",
        AlertKind.Plateau => "Usual causes: learning rate far too small, dead or saturated units, too much regularisation (dropout), a bug that detaches the loss from the weights, labels unrelated to inputs.",
        AlertKind.Overfitting => "Usual causes: too little training data for the model size, training too long, too little regularisation; add data or augmentation, weight decay, dropout, or stop early.",
        AlertKind.ClassCollapse => "Usual causes: learning rate too high after warm-up, class imbalance, a loss or label bug; check class weights and the LR.",
        AlertKind.WeightsUnchanged => "Usual causes: optimizer not stepping (missing optimizer.step()), parameters frozen or not passed to the optimizer, learning rate zero or far too small.",
        AlertKind.UnrecognizedSignals => "Name tags the usual way (train/loss, val/loss, grad_norm, grads/<param>, activations/<layer>) or give a signal rules file (--config) that maps yours.",
        _ => string.Empty,
    };
}

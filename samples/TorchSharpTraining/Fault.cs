namespace TorchSharpTraining;

/// <summary>A seed fault the sample can inject, and the alert kinds that name it.</summary>
internal sealed record Fault(string Name, string Description, IReadOnlyList<string> ExpectedKinds)
{
    public static IReadOnlyList<Fault> All { get; } =
    [
        new("lr-too-high", "SGD with a learning rate of 20", ["divergence", "nan_inf", "exploding_gradients"]),
        new("nan-batch", "one batch at step 150 holds a NaN input", ["nan_inf"]),
        new("log-zero-loss", "from step 150 the loss is -log(softmax(1000 x logits)): log(0) for confident mistakes", ["nan_inf"]),
        new("dead-relu", "the first layer's biases start at -100: its ReLUs never fire", ["dead_relu", "plateau"]),
        new("vanishing-sigmoid", "a 12-layer sigmoid network: gradients vanish before the first layers", ["vanishing_gradients", "plateau"]),
        new("exploding-init", "every weight starts at 300x its default initialisation", ["exploding_gradients"]),
        new("unnormalized-inputs", "inputs are scaled by 1000 and shifted by 500 (a GRU's gates saturate instead: its loss stalls)", ["exploding_gradients", "divergence", "nan_inf", "plateau"]),
        new("heavy-dropout", "dropout of 0.97 after every hidden layer (plain SGD, learning rate 0.01)", ["plateau", "oscillation", "exploding_gradients", "loss_spike"]),
        new("overfit", "a wide network trained on 64 samples, validated on 1024 others", ["overfitting"]),
        new("loss-spike", "at step 200 one corrupted batch (inputs x30, labels shuffled); its update is skipped", ["loss_spike"]),
    ];

    public static Fault? Find(string name) => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}

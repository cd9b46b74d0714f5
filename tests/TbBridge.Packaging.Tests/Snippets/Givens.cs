using TorchSharp;
using static TorchSharp.torch;

// What the READMEs' snippets take as given (a training step, weights, a key, a rank, a model, its optimizer,
// a batch): the smallest real values, so each snippet compiles as it is written. The TorchSharp ones are made
// on first use, so a snippet that needs no tensor runs without libtorch.
public static class Givens
{
    private static int s_step;
    private static TorchSharp.Modules.Linear? s_model;
    private static optim.Optimizer? s_optimizer;

    public static float[] fc1Weights { get; } = [-0.5f, 0.1f, 0.2f, float.NaN];

    public static string key { get; } = "test-key";

    public static int rank { get; } = 0;

    public static long steps { get; } = 3;

    public static TorchSharp.Modules.Linear model => s_model ??= nn.Linear(4, 3);

    public static optim.Optimizer optimizer => s_optimizer ??= optim.SGD(model.parameters(), 0.1);

    public static TorchSharp.Modules.CrossEntropyLoss criterion => nn.CrossEntropyLoss();

    public static Tensor x => randn(8, 4);

    public static Tensor y => randint(0, 3, [8]);

    public static double TrainOneStep() => 1.0 / (1 + s_step++);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchSharpTraining;

/// <summary>The networks the sample trains (named so the tags read well: fc1, relu1, ...).</summary>
internal static class Models
{
    /// <summary>20 → hidden → hidden → 4 with ReLUs, and optional dropout after each hidden layer.</summary>
    public static Sequential Mlp(int hidden = 64, double dropout = 0)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("fc1", nn.Linear(SyntheticData.Features, hidden)),
            ("relu1", nn.ReLU()),
        };
        if (dropout > 0)
        {
            layers.Add(("drop1", nn.Dropout(dropout)));
        }

        layers.Add(("fc2", nn.Linear(hidden, hidden)));
        layers.Add(("relu2", nn.ReLU()));
        if (dropout > 0)
        {
            layers.Add(("drop2", nn.Dropout(dropout)));
        }

        layers.Add(("out", nn.Linear(hidden, SyntheticData.Classes)));
        return nn.Sequential(layers);
    }

    /// <summary>A deep stack of Linear + Sigmoid layers: the classic vanishing-gradient network.</summary>
    public static Sequential DeepSigmoid(int depth = 12, int width = 32)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int inputs = SyntheticData.Features;
        for (int i = 1; i <= depth; i++)
        {
            layers.Add(($"fc{i}", nn.Linear(inputs, width)));
            layers.Add(($"sigmoid{i}", nn.Sigmoid()));
            inputs = width;
        }

        layers.Add(("out", nn.Linear(width, SyntheticData.Classes)));
        return nn.Sequential(layers);
    }
}

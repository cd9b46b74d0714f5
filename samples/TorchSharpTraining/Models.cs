using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpTraining;

/// <summary>
/// The networks the sample trains, each in three architectures (named so the tags read well: fc1, conv1,
/// relu1, gru, ...). A fault changes the network where it lives in the network: width, dropout, depth.
/// </summary>
internal static class Models
{
    /// <summary>The network for <paramref name="architecture"/> with what <paramref name="fault"/> changes in it.</summary>
    public static nn.Module<Tensor, Tensor> Create(string architecture, string? fault)
    {
        bool wide = fault == "overfit";
        double dropout = fault == "heavy-dropout" ? 0.97 : 0;
        bool deepSigmoid = fault == "vanishing-sigmoid";
        return architecture switch
        {
            "cnn" => deepSigmoid ? DeepSigmoidCnn() : Cnn(wide ? 64 : 16, dropout),
            "gru" => new GruClassifier(wide ? 256 : 32, deepSigmoid ? DeepSigmoidHead(32) : Head(wide ? 256 : 32, wide ? 512 : 64, dropout)),
            _ => deepSigmoid ? DeepSigmoidHead(SyntheticData.Features) : Head(SyntheticData.Features, wide ? 512 : 64, dropout, layers: 2),
        };
    }

    /// <summary>inputs → hidden (→ hidden) → 4 with ReLUs, and optional dropout after each hidden layer.</summary>
    private static nn.Module<Tensor, Tensor> Head(int inputs, int hidden, double dropout, int layers = 1)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 1; i <= layers; i++)
        {
            modules.Add(($"fc{i}", nn.Linear(i == 1 ? inputs : hidden, hidden)));
            modules.Add(($"relu{i}", nn.ReLU()));
            if (dropout > 0)
            {
                modules.Add(($"drop{i}", nn.Dropout(dropout)));
            }
        }

        modules.Add(("out", nn.Linear(hidden, SyntheticData.Classes)));
        return nn.Sequential(modules);
    }

    /// <summary>A deep stack of Linear + Sigmoid layers: the classic vanishing-gradient network.</summary>
    private static nn.Module<Tensor, Tensor> DeepSigmoidHead(int inputs, int depth = 12, int width = 32)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 1; i <= depth; i++)
        {
            modules.Add(($"fc{i}", nn.Linear(i == 1 ? inputs : width, width)));
            modules.Add(($"sigmoid{i}", nn.Sigmoid()));
        }

        modules.Add(("out", nn.Linear(width, SyntheticData.Classes)));
        return nn.Sequential(modules);
    }

    /// <summary>The 20 features as a one-channel signal: two 1-D convolutions with ReLUs, then a linear classifier.</summary>
    private static nn.Module<Tensor, Tensor> Cnn(int channels, double dropout)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("signal", nn.Unflatten(1, [1, SyntheticData.Features])) };
        for (int i = 1; i <= 2; i++)
        {
            modules.Add(($"conv{i}", nn.Conv1d(i == 1 ? 1 : channels, channels, 3, padding: 1)));
            modules.Add(($"relu{i}", nn.ReLU()));
            if (dropout > 0)
            {
                modules.Add(($"drop{i}", nn.Dropout(dropout)));
            }
        }

        modules.Add(("flatten", nn.Flatten()));
        modules.Add(("out", nn.Linear(channels * SyntheticData.Features, SyntheticData.Classes)));
        return nn.Sequential(modules);
    }

    /// <summary>Twelve 1-D convolutions with sigmoids.</summary>
    private static nn.Module<Tensor, Tensor> DeepSigmoidCnn(int depth = 12, int channels = 8)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("signal", nn.Unflatten(1, [1, SyntheticData.Features])) };
        for (int i = 1; i <= depth; i++)
        {
            modules.Add(($"conv{i}", nn.Conv1d(i == 1 ? 1 : channels, channels, 3, padding: 1)));
            modules.Add(($"sigmoid{i}", nn.Sigmoid()));
        }

        modules.Add(("flatten", nn.Flatten()));
        modules.Add(("out", nn.Linear(channels * SyntheticData.Features, SyntheticData.Classes)));
        return nn.Sequential(modules);
    }
}

using Google.Protobuf;
using TbBridge.Events.Internal;
using TbBridge.Events.Protos;

namespace TbBridge.Events;

/// <summary>
/// Decodes serialized events into <see cref="DecodedEvent"/>s. TensorFlow-style writers send a tag's plugin
/// metadata only with its first value, so a decoder remembers each tag's plugin: use one decoder per run.
/// </summary>
public sealed class EventDecoder
{
    private readonly Dictionary<string, string> _pluginByTag = new(StringComparer.Ordinal);

    /// <summary>Decodes one record's payload.</summary>
    /// <exception cref="InvalidDataException">The payload is not a valid event.</exception>
    public DecodedEvent Decode(ReadOnlySpan<byte> payload)
    {
        Event evt;
        try
        {
            evt = Event.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not a valid tensorboard.Event: {e.Message}", e);
        }

        var values = evt.Summary is { } summary
            ? summary.Value.Select(DecodeValue).ToArray()
            : [];
        return new DecodedEvent(evt.WallTime, evt.Step, evt.WhatCase == Event.WhatOneofCase.FileVersion ? evt.FileVersion : null, values);
    }

    /// <summary>
    /// The message of a <c>log_message</c> event (see <see cref="EventEncoder.LogMessage"/>); false for any other
    /// event or a payload that is not an event.
    /// </summary>
    public static bool TryReadLogMessage(ReadOnlySpan<byte> payload, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? message)
    {
        message = null;
        try
        {
            var evt = Event.Parser.ParseFrom(payload);
            if (evt.WhatCase != Event.WhatOneofCase.LogMessage)
            {
                return false;
            }

            message = evt.LogMessage.Message;
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private SummaryValue DecodeValue(Summary.Types.Value value)
    {
        string? plugin = value.Metadata?.PluginData?.PluginName;
        if (!string.IsNullOrEmpty(plugin))
        {
            _pluginByTag[value.Tag] = plugin;
        }
        else
        {
            plugin = _pluginByTag.GetValueOrDefault(value.Tag);
        }

        switch (value.ValueCase)
        {
            case Summary.Types.Value.ValueOneofCase.SimpleValue:
                return new SummaryValue(value.Tag, ValueKind.Scalar, plugin, value.SimpleValue);
            case Summary.Types.Value.ValueOneofCase.Histo:
                var h = value.Histo;
                return new SummaryValue(value.Tag, ValueKind.Histogram, plugin,
                    histogram: new HistogramValue(h.Min, h.Max, h.Num, h.Sum, h.SumSquares, [.. h.BucketLimit], [.. h.Bucket]));
            case Summary.Types.Value.ValueOneofCase.Image:
                return new SummaryValue(value.Tag, ValueKind.Image, plugin);
            case Summary.Types.Value.ValueOneofCase.Tensor:
                return DecodeTensor(value.Tag, plugin, value.Tensor);
            default:
                return new SummaryValue(value.Tag, ValueKind.Other, plugin);
        }
    }

    private static SummaryValue DecodeTensor(string tag, string? plugin, TensorProto tensor)
    {
        switch (plugin)
        {
            case "scalars":
                var numbers = TensorValues.ReadDoubles(tensor);
                return numbers.Length == 1
                    ? new SummaryValue(tag, ValueKind.Scalar, plugin, numbers[0])
                    : new SummaryValue(tag, ValueKind.Tensor, plugin);
            case "text":
                return new SummaryValue(tag, ValueKind.Text, plugin, text: TensorValues.ReadText(tensor));
            case "histograms":
                return TryDecodeTf2Histogram(TensorValues.ReadDoubles(tensor)) is { } histogram
                    ? new SummaryValue(tag, ValueKind.Histogram, plugin, histogram: histogram)
                    : new SummaryValue(tag, ValueKind.Tensor, plugin);
            default:
                return new SummaryValue(tag, ValueKind.Tensor, plugin);
        }
    }

    /// <summary>TF2 stores a histogram as a k×3 tensor of (left edge, right edge, count) rows.</summary>
    private static HistogramValue? TryDecodeTf2Histogram(double[] cells)
    {
        if (cells.Length == 0 || cells.Length % 3 != 0)
        {
            return null;
        }

        int k = cells.Length / 3;
        var limits = new double[k];
        var counts = new double[k];
        double num = 0, sum = 0, sumSquares = 0;
        for (int i = 0; i < k; i++)
        {
            double left = cells[3 * i], right = cells[(3 * i) + 1], count = cells[(3 * i) + 2];
            double centre = (left + right) / 2;
            limits[i] = right;
            counts[i] = count;
            num += count;
            sum += count * centre;
            sumSquares += count * centre * centre;
        }

        return new HistogramValue(cells[0], cells[^2], num, sum, sumSquares, limits, counts);
    }
}

using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>One histogram of a batch, in the format's one histogram shape (<see cref="HistogramValue"/>).</summary>
internal sealed record HistogramPoint(int TagIndex, long Step, double WallTime, HistogramValue Histogram);

using System.Diagnostics;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>Running averages of the group commit, for the debug log and the load test.</summary>
internal sealed class CommitStats
{
    private long _streams;
    private long _syncTicks;
    private long _saveTicks;

    public long Cycles { get; private set; }

    public double AverageStreams => Cycles == 0 ? 0 : (double)_streams / Cycles;

    public double AverageSyncMs => Cycles == 0 ? 0 : _syncTicks * 1000.0 / Stopwatch.Frequency / Cycles;

    public double AverageSaveMs => Cycles == 0 ? 0 : _saveTicks * 1000.0 / Stopwatch.Frequency / Cycles;

    public void Add(int streams, long syncTicks, long saveTicks)
    {
        Cycles++;
        _streams += streams;
        _syncTicks += syncTicks;
        _saveTicks += saveTicks;
    }
}

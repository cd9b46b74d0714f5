namespace TbBridge.Server.Internal.Ingest;

internal sealed record TextPoint(int TagIndex, long Step, double WallTime, string Text);

using TbBridge.Events;

namespace TbBridge.Server.Internal.Ingest;

/// <summary>One session's hyperparameters, written as the hparams plugin's three records.</summary>
internal sealed record HparamsPoint(long Step, double WallTime, HparamsData Hparams);

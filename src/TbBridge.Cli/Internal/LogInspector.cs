using TbBridge.Events;

namespace TbBridge.Cli.Internal;

/// <summary>Reads every run of a log directory and summarises each tag, like <c>tensorboard --inspect</c>.</summary>
internal static class LogInspector
{
    public static RunInspection InspectRun(RunInfo run, ICollection<EventReadError> errors)
    {
        var tags = new Dictionary<(string Tag, ValueKind Kind), TagSummary>();
        var order = new List<TagSummary>();
        foreach (var evt in RunReader.ReadRun(run, errors))
        {
            foreach (var value in evt.Values)
            {
                if (!tags.TryGetValue((value.Tag, value.Kind), out var summary))
                {
                    summary = new TagSummary(value.Tag, value.Kind);
                    tags.Add((value.Tag, value.Kind), summary);
                    order.Add(summary);
                }

                summary.Add(evt.Step, evt.WallTime);
            }
        }

        return new RunInspection(run.Name, order);
    }
}

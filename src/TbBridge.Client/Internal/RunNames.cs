namespace TbBridge.Internal;

/// <summary>Checks that a sub-run name stays inside the log directory.</summary>
internal static class RunNames
{
    internal static string Validate(string run, string paramName)
    {
        if (string.IsNullOrWhiteSpace(run) || Path.IsPathRooted(run))
        {
            throw new ArgumentException($"'{run}' is not a relative run name.", paramName);
        }

        foreach (string part in run.Split('/', '\\'))
        {
            if (part.Length == 0 || part == "." || part == "..")
            {
                throw new ArgumentException($"Run name '{run}' must not have empty, '.' or '..' segments.", paramName);
            }
        }

        return run;
    }
}

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A measurement for docs/performance.md: minutes of work and a memory figure, not a check every build needs. It runs
/// only when <c>TBBRIDGE_MEASURE=1</c> (and then asserts what it measured was real: every alert counted arrived).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("TBBRIDGE_MEASURE") != "1")
        {
            Skip = "a measurement for docs/performance.md: set TBBRIDGE_MEASURE=1 to run it";
        }
    }
}

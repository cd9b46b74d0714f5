namespace TbBridge.Server.Tests.Web;

/// <summary>A browser test: skips, saying why, where Chromium is missing; never skips under CI=true, where it fails instead.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        Skip = Chromium.SkipReason;
    }
}

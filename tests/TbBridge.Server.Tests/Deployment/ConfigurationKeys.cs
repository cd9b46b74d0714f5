using System.Collections;
using System.Reflection;

namespace TbBridge.Server.Tests.Deployment;

/// <summary>
/// Checks that a configuration key such as <c>TbBridge__ApiKeys__0__Write__0</c> names a real option of the
/// service, so a typo in a deployment file fails a test instead of being silently ignored by the binder.
/// </summary>
internal static class ConfigurationKeys
{
    public static void AssertBindsToServerOptions(string key)
    {
        string[] segments = key.Split(["__", ":"], StringSplitOptions.None);
        Assert.True(segments.Length >= 2 && segments[0] == TbBridgeServerOptions.SectionName, $"'{key}' is outside the {TbBridgeServerOptions.SectionName} section");
        Type type = typeof(TbBridgeServerOptions);
        foreach (string segment in segments.Skip(1))
        {
            if (int.TryParse(segment, out _))
            {
                Type? element = type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;
                Assert.True(element is not null, $"'{key}': '{segment}' indexes {type.Name}, which is not a list");
                type = element!;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is not null, $"'{key}': {type.Name} has no property '{segment}'");
            type = property!.PropertyType;
        }
    }
}

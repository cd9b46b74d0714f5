using TbBridge.Testing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace TbBridge.Server.Tests.Deployment;

/// <summary>Reads the repository's deployment files as plain YAML trees (maps, lists, strings).</summary>
internal static class DeploymentFiles
{
    public static string PathOf(string relative) => Path.Combine(RepoPaths.Root, relative);

    public static Dictionary<object, object> Load(string relative) =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(PathOf(relative)));

    /// <summary>Every document of a multi-document YAML file.</summary>
    public static List<Dictionary<object, object>> LoadAll(string relative)
    {
        YamlDotNet.Core.IParser parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(PathOf(relative))));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Dictionary<object, object>>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        }

        return documents;
    }

    /// <summary>Walks a path of map keys and list indexes; fails the test with the path when it is missing.</summary>
    public static object At(object root, params object[] path)
    {
        object current = root;
        foreach (object key in path)
        {
            current = (current, key) switch
            {
                (Dictionary<object, object> map, string name) when map.TryGetValue(name, out var next) => next,
                (List<object> list, int index) when index < list.Count => list[index],
                _ => throw new Xunit.Sdk.XunitException($"missing '{string.Join('.', path)}' (stopped at '{key}')"),
            };
        }

        return current;
    }

    public static string Str(object root, params object[] path) => Assert.IsType<string>(At(root, path));

    public static List<object> List(object root, params object[] path) => Assert.IsType<List<object>>(At(root, path));

    public static Dictionary<object, object> Map(object root, params object[] path) => Assert.IsType<Dictionary<object, object>>(At(root, path));
}

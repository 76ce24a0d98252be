using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;

namespace DvtBus.TestSupport;

/// <summary>
/// The settings an example env file under <c>compose/env</c> names, checked against the options classes a daemon
/// binds: a key no property answers to is silently ignored by the configuration binder, so a misspelt or retired
/// setting in the examples would mislead every operator who copies them.
/// </summary>
public static partial class EnvFileSettings
{
    /// <summary>Host settings, not options classes.</summary>
    private static readonly HashSet<string> HostKeys = new(["Urls", "Logging", "AllowedHosts"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Every <c>Section__Key[__Key...]=</c> of the file (commented-out examples included) that names no public property
    /// of the options class whose <c>Section</c> (or <c>SectionName</c>) constant is that section.
    /// </summary>
    public static IReadOnlyList<string> Unknown(string envFile, params Assembly[] assemblies)
    {
        var sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            var field = type.GetField("Section", BindingFlags.Public | BindingFlags.Static)
                ?? type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static);
            if (field is { IsLiteral: true } && field.GetRawConstantValue() is string name) sections.TryAdd(name, type);
        }
        var unknown = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(RepoPaths.Root, "compose", "env", envFile)))
        {
            if (Setting().Match(line) is not { Success: true } match) continue;
            var parts = match.Groups["key"].Value.Split("__");
            if (HostKeys.Contains(parts[0]) || parts[0].StartsWith("DOTNET_", StringComparison.Ordinal)) continue;
            if (!sections.TryGetValue(parts[0], out var options) || !Resolves(options, parts[1..])) unknown.Add(match.Groups["key"].Value);
        }
        return unknown;
    }

    private static bool Resolves(Type type, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty) return true;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return Resolves(type.GetGenericArguments()[1], path[1..]);
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments().Single();
            return int.TryParse(path[0], out _) && Resolves(element, path[1..]);
        }
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && Resolves(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, path[1..]);
    }

    [GeneratedRegex(@"^#?\s*(?<key>[A-Za-z][A-Za-z0-9_]*)=")]
    private static partial Regex Setting();
}

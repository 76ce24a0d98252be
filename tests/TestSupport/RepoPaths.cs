namespace DvtBus.TestSupport;

/// <summary>Where the repository, the shared public vectors and the pinned npm peers are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The public test vectors: DVT_VECTORS, else ../shared/vectors beside the repository.</summary>
    public static string Vectors =>
        Environment.GetEnvironmentVariable("DVT_VECTORS") is { Length: > 0 } v
            ? v
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "vectors"));

    public static string Vector(params string[] parts) => Path.Combine([Vectors, .. parts]);

    /// <summary>The project-local npm folder that ./dvt installs (tools/js).</summary>
    public static string JsTools => Path.Combine(Root, "tools", "js");

    public static string NodeModules => Path.Combine(JsTools, "node_modules");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DvtBus.sln")))
                return dir.FullName;
        throw new InvalidOperationException("DvtBus.sln not found above " + AppContext.BaseDirectory);
    }
}

using System.Globalization;

namespace DvtBus.Sidecar.Tests;

/// <summary>Builds the flat configuration keys an operator would write in appsettings or environment variables.</summary>
internal static class SidecarSettings
{
    public static Dictionary<string, string?> Base(string id, string network) => new()
    {
        ["Sidecar:Id"] = id,
        ["Sidecar:Network"] = network,
    };

    public static void AddSsvOperator(Dictionary<string, string?> settings, int slot, ulong id, string keyFile, string passwordFile, string? keysharesFile)
    {
        var at = $"Sidecar:Ssv:Operators:{slot}";
        settings[$"{at}:Id"] = id.ToString(CultureInfo.InvariantCulture);
        settings[$"{at}:KeyFile"] = keyFile;
        settings[$"{at}:PasswordFile"] = passwordFile;
        if (keysharesFile is not null) settings[$"{at}:KeysharesFile"] = keysharesFile;
    }

    public static void AddObolNodes(Dictionary<string, string?> settings, string lockFile, IEnumerable<(int Index, string KeysDir)> nodes)
    {
        settings["Sidecar:Obol:LockFile"] = lockFile;
        var slot = 0;
        foreach (var (index, keysDir) in nodes)
        {
            settings[$"Sidecar:Obol:Nodes:{slot}:Index"] = index.ToString(CultureInfo.InvariantCulture);
            settings[$"Sidecar:Obol:Nodes:{slot}:KeysDir"] = keysDir;
            slot++;
        }
    }
}

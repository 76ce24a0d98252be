namespace DvtBus.Keystores.Internal;

/// <summary>Reads a key-material file and parses it, so that every error names the file and what it was meant to be.</summary>
internal static class KeyFile
{
    public static T Load<T>(string file, string kind, Func<string, T> parse)
    {
        string json;
        try
        {
            json = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyMaterialException($"cannot read {kind} {file}: {e.Message}", e);
        }
        try
        {
            return parse(json);
        }
        catch (KeyMaterialException e)
        {
            throw new KeyMaterialException($"{kind} {file}: {e.Message}", e);
        }
    }
}

namespace DvtBus.Ethereum.Rpc;

/// <summary>How a node's URL may appear in logs and messages.</summary>
public static class RpcEndpoint
{
    /// <summary>
    /// Scheme, host and port only: providers put the API key in the path (Infura, Alchemy, QuickNode), the query or
    /// the user info, none of which may reach a log. A URL with any of them ends in "/…".
    /// </summary>
    public static string ForDisplay(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "(not a URL)";
        var hidden = uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0;
        return $"{uri.Scheme}://{uri.Authority}{(hidden ? "/…" : "")}";
    }
}

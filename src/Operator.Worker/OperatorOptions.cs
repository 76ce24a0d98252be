using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator;

/// <summary>The operator's settings, section <c>Operator</c> (environment: <c>Operator__Folder</c>, ...).</summary>
public sealed class OperatorOptions
{
    public const string Section = "Operator";

    /// <summary>The watched folder; inbox/, processing/, done/ and rejected/ are created inside it.</summary>
    public string Folder { get; set; } = "";

    /// <summary>A built-in network by name, or a devnet described in full (see <see cref="NetworkOptions"/>).</summary>
    public NetworkOptions Network { get; set; } = new();

    public string Vault { get; set; } = "";

    public string Keeper { get; set; } = "";

    /// <summary>The execution node's JSON-RPC endpoint (may hold an API key: never logged).</summary>
    public string RpcUrl { get; set; } = "";

    public int MaxBatchSize { get; set; } = 50;

    /// <summary>How often the inbox is listed besides the watcher's events (they can be lost when its buffer overflows).</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The pause between the two looks at a file's size and time that tell it is no longer being written.</summary>
    public TimeSpan StabilityDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first block to read DepositEvent logs from (the deposit contract's creation block).</summary>
    public ulong DepositStartBlock { get; set; }

    public ulong LogChunkSize { get; set; } = 10_000;

    public List<OracleEndpoint> Oracles { get; set; } = [];

    public TimeSpan OracleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an approval stays usable; sent to the oracles as the deadline.</summary>
    public TimeSpan ApprovalLifetime { get; set; } = TimeSpan.FromMinutes(30);

    public string ManagerKeystore { get; set; } = "";

    public string ManagerPasswordFile { get; set; } = "";

    public int Confirmations { get; set; } = 1;

    /// <summary>How long a registration transaction may stay unmined before it is replaced with higher fees.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(3);
}

public sealed class OracleEndpoint
{
    public string Url { get; set; } = "";
}

internal sealed class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    public ValidateOptionsResult Validate(string? name, OperatorOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Folder)) failures.Add("Operator:Folder is required (the watched deposit-data folder)");
        if (!Networks.TryResolve(o.Network, out _, out var networkError)) failures.Add("Operator:Network: " + networkError);
        if (!Address.TryParse(o.Vault, out _)) failures.Add("Operator:Vault must be the vault's 20-byte address");
        if (!Address.TryParse(o.Keeper, out _)) failures.Add("Operator:Keeper must be the keeper's 20-byte address");
        if (!Uri.TryCreate(o.RpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https"))
            failures.Add("Operator:RpcUrl must be the execution node's http(s) JSON-RPC URL");
        if (o.MaxBatchSize is < 1 or > 1000) failures.Add($"Operator:MaxBatchSize {o.MaxBatchSize} must be 1 to 1000");
        if (o.ScanInterval <= TimeSpan.Zero) failures.Add("Operator:ScanInterval must be positive");
        if (o.StabilityDelay <= TimeSpan.Zero) failures.Add("Operator:StabilityDelay must be positive");
        if (o.LogChunkSize == 0) failures.Add("Operator:LogChunkSize must be positive");
        if (o.Oracles.Count == 0) failures.Add("Operator:Oracles lists no oracle endpoint (Operator:Oracles:0:Url, ...)");
        for (var i = 0; i < o.Oracles.Count; i++)
            if (!Uri.TryCreate(o.Oracles[i].Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                failures.Add($"Operator:Oracles:{i}:Url must be an http(s) URL");
        if (o.OracleTimeout <= TimeSpan.Zero) failures.Add("Operator:OracleTimeout must be positive");
        if (o.ApprovalLifetime < TimeSpan.FromMinutes(1)) failures.Add("Operator:ApprovalLifetime must be at least a minute");
        if (!File.Exists(o.ManagerKeystore)) failures.Add("Operator:ManagerKeystore must name the validators manager's keystore v3 file");
        if (!File.Exists(o.ManagerPasswordFile)) failures.Add("Operator:ManagerPasswordFile must name the keystore's password file");
        if (o.StuckAfter < TimeSpan.FromSeconds(1)) failures.Add("Operator:StuckAfter must be at least a second");
        if (o.Confirmations is < 1 or > 64) failures.Add($"Operator:Confirmations {o.Confirmations} must be 1 to 64");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Crypto;
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

    /// <summary>
    /// How old an unfinished batch without a saga must be before it is announced again (its acceptance was lost
    /// between the intake's commit and its publish: a broker that refused it, a crash), and the least time between
    /// two announcements of one batch. Longer than a saga takes to start, or a batch whose acceptance is merely on
    /// its way is announced twice (harmless: the saga ignores a second acceptance).
    /// </summary>
    public TimeSpan ResumeAfter { get; set; } = TimeSpan.FromMinutes(1);

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

    /// <summary>
    /// The longest one delivery of the submission command is held while its transaction waits to be mined. Then the
    /// command is published again and the next delivery goes on waiting (and replacing): RabbitMQ closes the channel
    /// of a delivery unacknowledged for its <c>consumer_timeout</c> (30 minutes by default) and hands it out again.
    /// </summary>
    public TimeSpan SubmissionHold { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// The most a registration transaction may pay per gas, in gwei: the first transaction's max fee is
    /// capped to it, and a stuck one is not replaced once the raised fees would pass it (it keeps waiting).
    /// </summary>
    public decimal MaxFeePerGasGwei { get; set; } = 100;

    /// <summary>How long a batch waits for its validators' exit signatures before the exits are requested again.</summary>
    public TimeSpan ShareCollectionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many exit requests (the first included) go unanswered before the batch fails naming the validators still missing.</summary>
    public int ShareCollectionRounds { get; set; } = 4;

    /// <summary>
    /// How long the oracle approval step may take before it is asked again; longer than the step can take
    /// with its own retries (<see cref="MinimumApprovalRoundTimeout"/>), so a slow round is not overtaken.
    /// </summary>
    public TimeSpan ApprovalRoundTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many approval requests (the first included) may time out before the batch fails.</summary>
    public int ApprovalRequestRounds { get; set; } = 3;

    /// <summary>
    /// How long a batch may stay registering without a confirmed receipt before the sent transactions are
    /// looked up on chain (never sent again), or, when none was reported sent, the submission is asked for again;
    /// longer than <see cref="StuckAfter"/>, which replaces a stuck one.
    /// </summary>
    public TimeSpan RegisteringTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many of those on-chain checks find no confirmed receipt before the batch fails naming its transactions.</summary>
    public int RegisteringChecks { get; set; } = 3;

    /// <summary>
    /// The longest the approval step can run: each of its six attempts (the first and five retries of
    /// <c>EndpointDefaults</c>, 51 s apart in all) waits up to <see cref="OracleTimeout"/> for the oracles.
    /// </summary>
    public TimeSpan MinimumApprovalRoundTimeout => OracleTimeout * 6 + TimeSpan.FromSeconds(51);
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
        if (!Networks.TryResolve(o.Network, out var network, out var networkError)) failures.Add("Operator:Network: " + networkError);
        CheckAddress(failures, "Operator:Vault", "the vault's", o.Vault);
        CheckAddress(failures, "Operator:Keeper", "the keeper's", o.Keeper);
        if (o.Network.DepositContractAddress is { } depositContract)
            CheckAddress(failures, "Operator:Network:DepositContractAddress", "the deposit contract's", depositContract);
        if (!Uri.TryCreate(o.RpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https"))
            failures.Add("Operator:RpcUrl must be the execution node's http(s) JSON-RPC URL");
        if (o.MaxBatchSize is < 1 or > 1000) failures.Add($"Operator:MaxBatchSize {o.MaxBatchSize} must be 1 to 1000");
        if (o.ScanInterval <= TimeSpan.Zero) failures.Add("Operator:ScanInterval must be positive");
        if (o.StabilityDelay <= TimeSpan.Zero) failures.Add("Operator:StabilityDelay must be positive");
        if (o.ResumeAfter < TimeSpan.FromSeconds(1)) failures.Add("Operator:ResumeAfter must be at least a second");
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
        if (o.SubmissionHold < TimeSpan.FromSeconds(1) || o.SubmissionHold >= TimeSpan.FromMinutes(30))
            failures.Add($"Operator:SubmissionHold {o.SubmissionHold} must be at least a second and under 30 minutes (RabbitMQ's default consumer_timeout)");
        else if (o.SubmissionHold <= o.StuckAfter)
            failures.Add($"Operator:SubmissionHold {o.SubmissionHold} must be longer than Operator:StuckAfter {o.StuckAfter}, " +
                "or no delivery would wait long enough to replace a stuck transaction");
        if (o.MaxFeePerGasGwei is <= 0 or > 100_000) failures.Add($"Operator:MaxFeePerGasGwei {o.MaxFeePerGasGwei} must be above 0 and at most 100000");
        if (o.Confirmations is < 1 or > 64) failures.Add($"Operator:Confirmations {o.Confirmations} must be 1 to 64");
        if (o.ShareCollectionTimeout < TimeSpan.FromSeconds(1)) failures.Add("Operator:ShareCollectionTimeout must be at least a second");
        if (o.ShareCollectionRounds is < 1 or > 100) failures.Add($"Operator:ShareCollectionRounds {o.ShareCollectionRounds} must be 1 to 100");
        if (o.OracleTimeout > TimeSpan.Zero && o.ApprovalRoundTimeout <= o.MinimumApprovalRoundTimeout)
            failures.Add($"Operator:ApprovalRoundTimeout {o.ApprovalRoundTimeout} must be longer than the approval step can take with its retries " +
                $"({o.MinimumApprovalRoundTimeout}: six times Operator:OracleTimeout and 51 s), or a slow round would be asked again while it still runs");
        if (o.ApprovalRequestRounds is < 1 or > 100) failures.Add($"Operator:ApprovalRequestRounds {o.ApprovalRequestRounds} must be 1 to 100");
        if (o.StuckAfter > TimeSpan.Zero && o.RegisteringTimeout <= o.StuckAfter)
            failures.Add($"Operator:RegisteringTimeout {o.RegisteringTimeout} must be longer than Operator:StuckAfter {o.StuckAfter}, " +
                "which replaces a stuck transaction before the receipt is looked for");
        if (o.RegisteringChecks is < 0 or > 100) failures.Add($"Operator:RegisteringChecks {o.RegisteringChecks} must be 0 to 100");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A 20-byte address; written in mixed case, its EIP-55 checksum must hold (a wrong one is a typo, and money follows these).</summary>
    private static void CheckAddress(List<string> failures, string setting, string whose, string? text)
    {
        if (!Address.TryParse(text, out _)) failures.Add($"{setting} must be {whose} 20-byte address");
        else if (!AddressChecksum.TryParse(text, out _))
            failures.Add($"{setting} {text} fails its EIP-55 checksum (mixed case must read {AddressChecksum.Encode(Address.Parse(text))}): a typo? Write it in that form, or in lower case");
    }
}

using System.Text.RegularExpressions;
using DvtBus.Crypto.Consensus;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker;

/// <summary>
/// Section <c>Sidecar</c>: who this sidecar is, the one network it signs for, where its key shares are
/// and how it reaches the relayer. <c>Sidecar:Network</c> is a built-in network's name, or a section
/// describing a devnet (see <see cref="NetworkOptions"/>).
/// </summary>
public sealed class SidecarOptions
{
    public const string Section = "Sidecar";

    /// <summary>Names this process on the bus (its queue is <c>sidecar-{Id}-exit-requested</c>) and in the shares it sends.</summary>
    public string Id { get; set; } = "";

    public NetworkOptions Network { get; set; } = new();

    /// <summary><c>Bus</c> (RabbitMQ, the default) or <c>Http</c> (poll a relayer that speaks the StakeWise API).</summary>
    public string Mode { get; set; } = SidecarModes.Bus;

    public ObolOptions Obol { get; set; } = new();
    public SsvOptions Ssv { get; set; } = new();
    public RelayerOptions Relayer { get; set; } = new();

    /// <summary>How many (validator, index) signature sets are remembered, so that a repeated request costs no signing.</summary>
    public int SignatureCacheSize { get; set; } = 10_000;

    /// <summary>The key shares are announced at start and again this often, for a relayer that started later.</summary>
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromMinutes(10);
}

public static class SidecarModes
{
    public const string Bus = "Bus";
    public const string Http = "Http";

    public static bool IsHttp(string? mode) => string.Equals(mode?.Trim(), Http, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A charon cluster: its lock and the nodes of it whose <c>validator_keys</c> this process holds.</summary>
public sealed class ObolOptions
{
    public string? LockFile { get; set; }
    public List<ObolNodeOptions> Nodes { get; set; } = [];
}

/// <param name="Index">0-based position of the node in the lock's operators; it signs with share index Index + 1.</param>
public sealed class ObolNodeOptions
{
    public int? Index { get; set; }

    /// <summary>The node's <c>validator_keys</c> folder (or the charon folder that contains it).</summary>
    public string? KeysDir { get; set; }
}

public sealed class SsvOptions
{
    public List<SsvOperatorOptions> Operators { get; set; } = [];
}

/// <summary>
/// One SSV operator: its encrypted RSA key and password file, and its validators from a keyshares file
/// and/or from <c>ValidatorAdded</c> events (<see cref="Validators"/>). The share index is the operator id.
/// </summary>
public sealed class SsvOperatorOptions
{
    public ulong Id { get; set; }
    public string? KeyFile { get; set; }
    public string? PasswordFile { get; set; }
    public string? KeysharesFile { get; set; }
    public List<SsvValidatorAddedOptions> Validators { get; set; } = [];
}

/// <summary>The fields of an on-chain <c>ValidatorAdded(owner, operatorIds, publicKey, shares, cluster)</c> event.</summary>
public sealed class SsvValidatorAddedOptions
{
    public string? PublicKey { get; set; }
    public List<ulong> OperatorIds { get; set; } = [];
    public string? Shares { get; set; }
}

public sealed class RelayerOptions
{
    /// <summary>Base address of the relayer's HTTP API (HTTP mode only).</summary>
    public string? Url { get; set; }

    /// <summary>Bearer token for the relayer's write endpoints; the public StakeWise relayer needs none.</summary>
    public string? Token { get; set; }

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed partial class SidecarOptionsValidator : IValidateOptions<SidecarOptions>
{
    public ValidateOptionsResult Validate(string? name, SidecarOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Id)) failures.Add("Sidecar:Id is required (lower-case letters, digits and '-', e.g. node-0)");
        else if (!IdPattern().IsMatch(o.Id)) failures.Add($"Sidecar:Id '{o.Id}' must be lower-case letters, digits and '-' (it names a queue)");
        if (!Networks.TryResolve(o.Network, out _, out var networkError)) failures.Add("Sidecar:Network: " + networkError);
        if (!SidecarModes.IsHttp(o.Mode) && !string.Equals(o.Mode?.Trim(), SidecarModes.Bus, StringComparison.OrdinalIgnoreCase))
            failures.Add($"Sidecar:Mode '{o.Mode}' must be {SidecarModes.Bus} or {SidecarModes.Http}");
        if (o.SignatureCacheSize < 1) failures.Add("Sidecar:SignatureCacheSize must be at least 1");
        if (o.AnnounceInterval <= TimeSpan.Zero) failures.Add("Sidecar:AnnounceInterval must be positive");

        ValidateObol(o.Obol, failures);
        ValidateSsv(o.Ssv, failures);
        if (o.Obol.Nodes.Count == 0 && o.Ssv.Operators.Count == 0)
            failures.Add("no key shares configured: give Sidecar:Obol:LockFile and Sidecar:Obol:Nodes, or Sidecar:Ssv:Operators");

        if (SidecarModes.IsHttp(o.Mode))
        {
            if (!Uri.TryCreate(o.Relayer.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                failures.Add("Sidecar:Relayer:Url must be an absolute http(s) address in HTTP mode");
            if (o.Relayer.PollInterval <= TimeSpan.Zero) failures.Add("Sidecar:Relayer:PollInterval must be positive");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateObol(ObolOptions obol, List<string> failures)
    {
        if (obol.Nodes.Count == 0)
        {
            if (!string.IsNullOrWhiteSpace(obol.LockFile)) failures.Add("Sidecar:Obol:LockFile is set but Sidecar:Obol:Nodes is empty");
            return;
        }
        if (string.IsNullOrWhiteSpace(obol.LockFile)) failures.Add("Sidecar:Obol:LockFile is required when Obol nodes are configured");
        for (var i = 0; i < obol.Nodes.Count; i++)
        {
            var node = obol.Nodes[i];
            if (node.Index is not { } index || index < 0) failures.Add($"Sidecar:Obol:Nodes:{i}:Index is required (0-based node position in the lock)");
            if (string.IsNullOrWhiteSpace(node.KeysDir)) failures.Add($"Sidecar:Obol:Nodes:{i}:KeysDir is required (the node's validator_keys folder)");
        }
        foreach (var twice in obol.Nodes.Where(n => n.Index is not null).GroupBy(n => n.Index).Where(g => g.Count() > 1))
            failures.Add($"Obol node {twice.Key} is configured twice");
    }

    private static void ValidateSsv(SsvOptions ssv, List<string> failures)
    {
        for (var i = 0; i < ssv.Operators.Count; i++)
        {
            var op = ssv.Operators[i];
            var at = $"Sidecar:Ssv:Operators:{i}";
            if (op.Id == 0) failures.Add($"{at}:Id is required (the SSV operator id, never 0)");
            if (string.IsNullOrWhiteSpace(op.KeyFile)) failures.Add($"{at}:KeyFile is required (encrypted_private_key.json)");
            if (string.IsNullOrWhiteSpace(op.PasswordFile)) failures.Add($"{at}:PasswordFile is required");
            if (string.IsNullOrWhiteSpace(op.KeysharesFile) && op.Validators.Count == 0)
                failures.Add($"{at}: give a KeysharesFile or Validators (from ValidatorAdded events)");
            for (var v = 0; v < op.Validators.Count; v++)
            {
                var added = op.Validators[v];
                if (string.IsNullOrWhiteSpace(added.PublicKey)) failures.Add($"{at}:Validators:{v}:PublicKey is required");
                if (added.OperatorIds.Count == 0) failures.Add($"{at}:Validators:{v}:OperatorIds is required");
                if (string.IsNullOrWhiteSpace(added.Shares)) failures.Add($"{at}:Validators:{v}:Shares is required (hex)");
            }
        }
        foreach (var twice in ssv.Operators.Where(o => o.Id != 0).GroupBy(o => o.Id).Where(g => g.Count() > 1))
            failures.Add($"SSV operator {twice.Key} is configured twice");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();
}

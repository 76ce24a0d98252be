using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Keystores;
using DvtBus.Keystores.Obol;
using DvtBus.Keystores.Ssv;
using DvtBus.Primitives;

namespace DvtBus.Sidecar.Worker.Keys;

/// <summary>
/// Reads every configured key source: Obol nodes (cluster lock + EIP-2335 keystores) and SSV operators
/// (RSA operator key + keyshares files or ValidatorAdded shares). Each share is checked against the
/// public share its cluster declares; the first problem stops the load with a <see cref="KeyLoadException"/>
/// that names the file and the validator. The messages of the Keystores library never carry secrets.
/// </summary>
internal static class KeyLoader
{
    /// <param name="network">The network this sidecar signs for: an Obol lock of another one is refused.</param>
    public static KeyRing Load(SidecarOptions options, Network network)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        var ring = new KeyRing();
        try
        {
            if (options.Obol.Nodes.Count > 0) LoadObol(options.Obol, network, ring);
            foreach (var op in options.Ssv.Operators) LoadSsvOperator(op, ring);
            return ring;
        }
        catch
        {
            ring.Dispose();
            throw;
        }
    }

    private static void LoadObol(ObolOptions obol, Network network, KeyRing ring)
    {
        var lockFile = Required(obol.LockFile, "Sidecar:Obol:LockFile");
        var clusterLock = Guard(() => ClusterLock.Load(lockFile), "Obol");
        // A lock of another network would have this node sign exits under the wrong domain for its validators.
        if (Networks.ForkVersionMismatch(clusterLock.ForkVersion, network) is { } mismatch)
            throw new KeyLoadException($"Obol: cluster lock {lockFile} {mismatch}, the network Sidecar:Network names");
        foreach (var node in obol.Nodes)
        {
            var index = node.Index ?? throw new KeyLoadException("Sidecar:Obol:Nodes: a node has no Index");
            if (index < 0 || index >= clusterLock.OperatorCount)
                throw new KeyLoadException($"Obol node {index}: cluster lock {lockFile} has nodes 0..{clusterLock.OperatorCount - 1}");
            var keysDir = ValidatorKeysFolder(Required(node.KeysDir, $"Sidecar:Obol:Nodes ({index}):KeysDir"));
            var shares = Guard(() => ObolKeys.Load(clusterLock, index, keysDir), $"Obol node {index}");
            try
            {
                foreach (var share in shares)
                {
                    var validator = clusterLock.Validators[share.ValidatorIndex];
                    ring.Add(share.ValidatorPublicKey, clusterLock.Threshold, validator.IndexedPublicShares, share.ShareIndex, share.Share,
                        $"Obol node {index} ({keysDir}, lock {lockFile})");
                }
            }
            catch
            {
                foreach (var share in shares) share.Dispose();
                throw;
            }
        }
    }

    // charon keeps the keystores in .charon/validator_keys; accept the charon folder as well.
    private static string ValidatorKeysFolder(string configured)
    {
        var nested = Path.Combine(configured, "validator_keys");
        return Directory.Exists(nested) ? nested : configured;
    }

    private static void LoadSsvOperator(SsvOperatorOptions op, KeyRing ring)
    {
        var who = $"SSV operator {op.Id}";
        var keyFile = Required(op.KeyFile, $"{who}: KeyFile");
        using var operatorKey = Guard(() => SsvOperatorKey.Load(keyFile, Required(op.PasswordFile, $"{who}: PasswordFile")), who);

        var found = new List<(SsvValidatorShares Shares, string Source)>();
        if (!string.IsNullOrWhiteSpace(op.KeysharesFile))
        {
            var file = op.KeysharesFile;
            var items = Guard(() => SsvKeyShares.Load(file), who);
            foreach (var item in items.Where(i => i.Shares.OperatorIds.Contains(op.Id)))
            {
                var declared = item.Operators.First(o => o.Id == op.Id).PublicKey;
                if (!declared.Equals(operatorKey.PublicKey))
                    throw new KeyLoadException(
                        $"{who}: the key in {keyFile} is not the operator key {file} gives operator {op.Id} (validator {item.Shares.ValidatorPublicKey})");
                found.Add((item.Shares, file));
            }
            if (found.Count == 0)
                throw new KeyLoadException($"{who}: {file} holds no validator run by operator {op.Id}");
        }
        for (var v = 0; v < op.Validators.Count; v++)
        {
            var added = op.Validators[v];
            var source = $"Sidecar:Ssv operator {op.Id} Validators:{v}";
            found.Add((ParseValidatorAdded(added, op.Id, source), source));
        }

        foreach (var (shares, source) in found)
        {
            var share = Guard(() => shares.DecryptShare(op.Id, operatorKey), $"{who}: {source}");
            ring.Add(shares.ValidatorPublicKey, shares.Threshold, shares.IndexedPublicShares, op.Id, share, $"{who} ({source})");
        }
    }

    private static SsvValidatorShares ParseValidatorAdded(SsvValidatorAddedOptions added, ulong operatorId, string source)
    {
        if (!BlsPublicKey.TryParse(added.PublicKey, out var validator))
            throw new KeyLoadException($"{source}: PublicKey is not a 48-byte hex public key");
        if (!Hex.TryDecode(added.Shares, out var blob))
            throw new KeyLoadException($"{source}: Shares is not hex");
        if (!added.OperatorIds.Contains(operatorId))
            throw new KeyLoadException($"{source}: validator {validator} is not run by operator {operatorId} (OperatorIds {string.Join(",", added.OperatorIds)})");
        // The event lists the operators in the cluster's order, which the contract keeps ascending.
        return Guard(() => SsvValidatorShares.Parse(validator, added.OperatorIds, blob), $"{source}: validator {validator}");
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new KeyLoadException($"{name} is not configured") : value;

    private static T Guard<T>(Func<T> load, string context)
    {
        try
        {
            return load();
        }
        catch (KeyMaterialException e)
        {
            throw new KeyLoadException($"{context}: {e.Message}", e);
        }
    }
}

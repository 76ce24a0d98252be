using DvtBus.Bls;
using DvtBus.Primitives;
using Microsoft.Extensions.Options;
using DvtBus.Crypto.Encryption;

namespace DvtBus.Relayer.Oracles;

/// <summary>The shards the oracles receive: one re-sharing per exit, each shard encrypted to its oracle.</summary>
internal sealed record OracleShardSet(int Threshold, IReadOnlyList<BlsPublicKey> PublicKeyShards, IReadOnlyList<EncryptedExitSignature> EncryptedSignatures);

internal sealed class OracleResharing
{
    private readonly byte[][] _oracles;
    private readonly int _threshold;

    public OracleResharing(IOptions<OracleOptions> options)
    {
        var o = options.Value;
        _threshold = o.ExitSignatureRecoverThreshold;
        _oracles = o.PublicKeys.Select(k => OracleOptions.TryParsePublicKey(k, out var key)
            ? key
            : throw new OptionsValidationException(OracleOptions.Section, typeof(OracleOptions), ["an oracle public key is invalid"])).ToArray();
    }

    /// <summary>Throws ArgumentException when the signature does not verify: a full signature is only ever re-shared after that check.</summary>
    public OracleShardSet Reshare(BlsSignature fullSignature, BlsPublicKey validator, Bytes32 signingRoot)
    {
        var shards = BlsThreshold.Reshare(fullSignature, validator, signingRoot.Span, _threshold, _oracles.Length);
        var encrypted = new EncryptedExitSignature[_oracles.Length];
        for (var i = 0; i < _oracles.Length; i++)
            encrypted[i] = EncryptedExitSignature.From(Ecies.Encrypt(_oracles[i], shards.Signatures[i].Span));
        return new OracleShardSet(_threshold, shards.PublicKeys, encrypted);
    }
}

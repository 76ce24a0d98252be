using System.Security.Cryptography;
using System.Text;
using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Ssv;

/// <summary>
/// The `shares` blob of an SSV validator (ValidatorAdded event, keyshares `sharesData`):
/// owner signature (96) || n public shares (48 each) || n RSA-encrypted shares (256 each), where
/// element k belongs to the k-th operator id in ascending order. The Shamir x-coordinate of a
/// share is its operator id.
/// </summary>
public sealed class SsvValidatorShares
{
    public const int EncryptedShareLength = 256;
    private const int PerOperator = 48 + EncryptedShareLength;

    private readonly ulong[] _operatorIds;
    private readonly byte[][] _encrypted;

    private SsvValidatorShares(BlsPublicKey validator, ulong[] operatorIds, BlsSignature signature, BlsPublicKey[] publicShares, byte[][] encrypted)
    {
        ValidatorPublicKey = validator;
        _operatorIds = operatorIds;
        OperatorIds = Array.AsReadOnly(operatorIds);
        Signature = signature;
        PublicShares = Array.AsReadOnly(publicShares);
        _encrypted = encrypted;
    }

    public BlsPublicKey ValidatorPublicKey { get; }
    public IReadOnlyList<ulong> OperatorIds { get; }

    /// <summary>The owner's proof of possession: the validator key's signature over keccak256("&lt;owner EIP-55&gt;:&lt;nonce&gt;").</summary>
    public BlsSignature Signature { get; }

    public IReadOnlyList<BlsPublicKey> PublicShares { get; }
    public IReadOnlyList<ReadOnlyMemory<byte>> EncryptedShares => _encrypted.Select(e => (ReadOnlyMemory<byte>)e).ToArray();
    public int OperatorCount => OperatorIds.Count;

    /// <summary>f in n = 3f + 1.</summary>
    public int FaultTolerance => (OperatorCount - 1) / 3;

    /// <summary>2f + 1 shares recover a signature.</summary>
    public int Threshold => 2 * FaultTolerance + 1;

    /// <summary>The public shares bound to their x-coordinates (the operator ids), as threshold recovery takes them.</summary>
    public IReadOnlyList<IndexedPublicKey> IndexedPublicShares =>
        OperatorIds.Select((id, k) => new IndexedPublicKey(id, PublicShares[k])).ToArray();

    public static SsvValidatorShares Parse(BlsPublicKey validatorPublicKey, IReadOnlyList<ulong> operatorIds, ReadOnlySpan<byte> shares)
    {
        ArgumentNullException.ThrowIfNull(operatorIds);
        var n = operatorIds.Count;
        if (n < 4 || (n - 1) % 3 != 0)
            throw new KeyMaterialException($"an SSV cluster has 3f+1 operators (4, 7, 10, 13), got {n}");
        for (var k = 0; k < n; k++)
        {
            if (operatorIds[k] == 0) throw new KeyMaterialException("operator id 0 is not valid (it would be the secret itself)");
            if (k > 0 && operatorIds[k] <= operatorIds[k - 1])
                throw new KeyMaterialException($"operator ids must be strictly ascending, got {operatorIds[k - 1]} before {operatorIds[k]}");
        }
        var expected = BlsSignature.Length + n * PerOperator;
        if (shares.Length != expected)
            throw new KeyMaterialException($"shares blob is {shares.Length} bytes, {n} operators need {expected}");

        var signature = BlsSignature.From(shares[..BlsSignature.Length]);
        var publicShares = new BlsPublicKey[n];
        var encrypted = new byte[n][];
        var keysStart = BlsSignature.Length;
        var encryptedStart = keysStart + n * BlsPublicKey.Length;
        for (var k = 0; k < n; k++)
        {
            publicShares[k] = BlsPublicKey.From(shares.Slice(keysStart + k * BlsPublicKey.Length, BlsPublicKey.Length));
            encrypted[k] = shares.Slice(encryptedStart + k * EncryptedShareLength, EncryptedShareLength).ToArray();
        }
        if (publicShares.Distinct().Count() != n) throw new KeyMaterialException("shares blob repeats a public share");
        return new SsvValidatorShares(validatorPublicKey, operatorIds.ToArray(), signature, publicShares, encrypted);
    }

    public BlsPublicKey PublicShareOf(ulong operatorId) => PublicShares[PositionOf(operatorId)];

    public ReadOnlyMemory<byte> EncryptedShareOf(ulong operatorId) => _encrypted[PositionOf(operatorId)];

    /// <summary>Decrypts this operator's share and checks SkToPk(share) against its public share.</summary>
    public BlsSecretKey DecryptShare(ulong operatorId, SsvOperatorKey operatorKey)
    {
        ArgumentNullException.ThrowIfNull(operatorKey);
        var k = PositionOf(operatorId);
        var secret = operatorKey.DecryptShareSecret(_encrypted[k]);
        try
        {
            if (!BlsSecretKey.TryFromBytes(secret, out var key) || key is null)
                throw new KeyMaterialException($"share of operator {operatorId} for validator {ValidatorPublicKey} is not a valid BLS secret key");
            if (key.PublicKey != PublicShares[k])
            {
                key.Dispose();
                throw new KeyMaterialException($"share of operator {operatorId} for validator {ValidatorPublicKey} does not match its public share");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Checks the owner signature that the SSV node requires before it accepts the shares.</summary>
    public bool VerifyOwnerSignature(Address owner, ulong nonce)
    {
        var message = Encoding.ASCII.GetBytes($"{ChecksumAddress(owner)}:{nonce}");
        return BlsScheme.Verify(ValidatorPublicKey, EthereumKeystore.Keccak256(message), Signature);
    }

    /// <summary>EIP-55 mixed-case form: a hex letter is upper case where the nibble of keccak256(lowercase hex) is 8 or more.</summary>
    internal static string ChecksumAddress(Address address)
    {
        var lower = Hex.Encode(address.Span, prefix: false);
        var hash = EthereumKeystore.Keccak256(Encoding.ASCII.GetBytes(lower));
        var result = new StringBuilder("0x", 42);
        for (var i = 0; i < lower.Length; i++)
        {
            var nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
            result.Append(nibble >= 8 ? char.ToUpperInvariant(lower[i]) : lower[i]);
        }
        return result.ToString();
    }

    private int PositionOf(ulong operatorId)
    {
        var k = Array.IndexOf(_operatorIds, operatorId);
        return k >= 0 ? k : throw new KeyMaterialException($"operator {operatorId} is not in the cluster of validator {ValidatorPublicKey}");
    }

    public override string ToString() => $"SsvValidatorShares({ValidatorPublicKey}, operators {string.Join(",", OperatorIds)})";
}

using DvtBus.Primitives;

namespace DvtBus.Ethereum.Crypto;

/// <summary>
/// A recoverable secp256k1 signature: r, s (low s) and the recovery id. Serialised as Ethereum's 65-byte
/// r || s || v with v = 27 + recovery id, which is what ecrecover, EIP-191 and EIP-712 tooling expect.
/// </summary>
public readonly struct EthSignature : IEquatable<EthSignature>
{
    private readonly byte[]? _rs;

    private EthSignature(byte[] rs, int recoveryId)
    {
        _rs = rs;
        RecoveryId = recoveryId;
    }

    public const int Length = 65;

    public Bytes32 R => Bytes32.From(Checked[..32]);
    public Bytes32 S => Bytes32.From(Checked[32..]);

    /// <summary>The y parity of the nonce point, 0 or 1 (EIP-1559 transactions carry this as yParity).</summary>
    public int RecoveryId { get; }

    public byte V => (byte)(27 + RecoveryId);

    private ReadOnlySpan<byte> Checked => _rs ?? throw new InvalidOperationException("signature is uninitialised (default value)");

    public static EthSignature Create(Bytes32 r, Bytes32 s, int recoveryId)
    {
        if (recoveryId is not (0 or 1)) throw new FormatException("recovery id must be 0 or 1");
        return new EthSignature([.. r.Span, .. s.Span], recoveryId);
    }

    /// <summary>Parses 65 bytes r || s || v; v may be 27/28 or the raw 0/1 some signers emit.</summary>
    public static EthSignature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new FormatException($"signature must be {Length} bytes, got {bytes.Length}");
        var v = bytes[64];
        var recoveryId = v switch
        {
            27 or 28 => v - 27,
            0 or 1 => v,
            _ => throw new FormatException($"signature v must be 27 or 28, got {v}"),
        };
        return new EthSignature(bytes[..64].ToArray(), recoveryId);
    }

    public static EthSignature Parse(string? hex) =>
        Hex.TryDecodeFixed(hex, Length, out var bytes) ? FromBytes(bytes) : throw new FormatException($"signature must be {Length} bytes of hex");

    public byte[] ToBytes() => [.. Checked, V];

    /// <summary>The signer of <paramref name="hash"/>, or false when the signature matches no key (never throws).</summary>
    public bool TryRecover(Bytes32 hash, out Address signer)
    {
        signer = default;
        if (_rs is null) return false;
        var publicKey = Secp256k1.Recover(hash.Span, Secp256k1.ToInteger(_rs.AsSpan(0, 32)), Secp256k1.ToInteger(_rs.AsSpan(32, 32)), RecoveryId);
        if (publicKey is null) return false;
        signer = EthPrivateKey.AddressOf(publicKey);
        return true;
    }

    public Address Recover(Bytes32 hash) =>
        TryRecover(hash, out var signer) ? signer : throw new FormatException("signature does not recover to a public key");

    /// <summary>True when the signature recovers to <paramref name="expected"/> and is in the canonical low-s form.</summary>
    public bool Verify(Bytes32 hash, Address expected) =>
        _rs is not null && IsLowS && TryRecover(hash, out var signer) && signer == expected;

    private bool IsLowS => Secp256k1.ToInteger(_rs.AsSpan(32, 32)).CompareTo(Secp256k1.N.ShiftRight(1)) <= 0;

    /// <summary>
    /// The same signature in the canonical low-s form: (r, n - s) with the other recovery id recovers the same
    /// signer, and contracts using OpenZeppelin's ECDSA (the StakeWise keeper among them) refuse the high-s form.
    /// </summary>
    public EthSignature ToLowS()
    {
        var rs = Checked;
        if (IsLowS) return this;
        var s = Secp256k1.N.Subtract(Secp256k1.ToInteger(rs[32..]));
        return new EthSignature([.. rs[..32], .. Secp256k1.To32Bytes(s)], RecoveryId ^ 1);
    }

    public bool Equals(EthSignature other) =>
        RecoveryId == other.RecoveryId && (_rs ?? []).AsSpan().SequenceEqual(other._rs ?? []);

    public override bool Equals(object? obj) => obj is EthSignature other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_rs);
        hash.Add(RecoveryId);
        return hash.ToHashCode();
    }

    public static bool operator ==(EthSignature left, EthSignature right) => left.Equals(right);
    public static bool operator !=(EthSignature left, EthSignature right) => !left.Equals(right);
    public override string ToString() => _rs is null ? "<none>" : Hex.Encode(ToBytes());
}

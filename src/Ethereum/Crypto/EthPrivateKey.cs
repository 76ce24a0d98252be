using System.Security.Cryptography;
using DvtBus.Primitives;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace DvtBus.Ethereum.Crypto;

/// <summary>
/// A secp256k1 account key. The scalar never leaves this object in printable form: ToString shows the
/// address, and errors about a bad key never echo its bytes. Dispose clears the copy held here.
/// </summary>
public sealed class EthPrivateKey : IDisposable
{
    private readonly byte[] _secret;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private EthPrivateKey(byte[] secret)
    {
        _secret = secret;
        _publicKey = Secp256k1.PublicKey(Secp256k1.ToInteger(secret));
        Address = AddressOf(_publicKey);
    }

    public Address Address { get; }

    /// <summary>The 64-byte uncompressed public key x || y (no 0x04 prefix).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    public static EthPrivateKey Generate()
    {
        var bytes = new byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            if (Secp256k1.IsValidScalar(Secp256k1.ToInteger(bytes))) return new EthPrivateKey(bytes);
        }
    }

    public static EthPrivateKey FromBytes(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != 32) throw new FormatException($"secp256k1 private key must be 32 bytes, got {secret.Length}");
        if (!Secp256k1.IsValidScalar(Secp256k1.ToInteger(secret)))
            throw new FormatException("secp256k1 private key must be in [1, n-1]");
        return new EthPrivateKey(secret.ToArray());
    }

    public static EthPrivateKey FromHex(string? hex)
    {
        if (!Hex.TryDecodeFixed(hex, 32, out var bytes))
            throw new FormatException("secp256k1 private key must be 32 bytes of hex");
        try
        {
            return FromBytes(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Signs a 32-byte digest (RFC 6979 nonce, low s).</summary>
    public EthSignature Sign(Bytes32 hash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (r, s, recoveryId) = Secp256k1.Sign(new BcInteger(1, _secret), hash.Span, _publicKey);
        return EthSignature.Create(Bytes32.From(r), Bytes32.From(s), recoveryId);
    }

    /// <summary>EIP-191 version 0x45: what eth_sign / personal_sign / ethers signMessage produce.</summary>
    public EthSignature SignMessage(ReadOnlySpan<byte> message) => Sign(Eip191.Hash(message));

    public static Address AddressOf(ReadOnlySpan<byte> publicKey64)
    {
        if (publicKey64.Length != 64) throw new FormatException($"uncompressed public key must be 64 bytes, got {publicKey64.Length}");
        return Address.From(Keccak.Hash(publicKey64).Span[12..]);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        _disposed = true;
    }

    public override string ToString() => $"EthPrivateKey({AddressChecksum.Encode(Address)})";
}

using System.Security.Cryptography;
using System.Text;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Ssv;

/// <summary>
/// An SSV operator's RSA public key in the form the SSV contracts, ssv-keys and ssv-dkg exchange:
/// base64 of a PEM whose label says "RSA PUBLIC KEY" but whose body is a SubjectPublicKeyInfo.
/// </summary>
public sealed class SsvOperatorPublicKey : IEquatable<SsvOperatorPublicKey>
{
    private readonly byte[] _spki;

    private SsvOperatorPublicKey(byte[] spki) => _spki = spki;

    /// <summary>Parses the SSV base64 form; a plain PEM text is accepted too.</summary>
    public static SsvOperatorPublicKey Parse(string encoded)
    {
        if (string.IsNullOrWhiteSpace(encoded)) throw new KeyMaterialException("operator public key is empty");
        var text = encoded.Trim();
        if (!text.StartsWith("-----", StringComparison.Ordinal))
        {
            try
            {
                text = Encoding.ASCII.GetString(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                throw new KeyMaterialException("operator public key is not base64");
            }
        }
        if (!PemEncoding.TryFind(text, out var fields))
            throw new KeyMaterialException("operator public key is not a PEM block");
        byte[] der;
        try
        {
            der = Convert.FromBase64String(text[fields.Base64Data]);
        }
        catch (FormatException)
        {
            throw new KeyMaterialException("operator public key PEM body is not base64");
        }
        return FromDer(der);
    }

    // The label is unreliable (SSV writes "RSA PUBLIC KEY" over an SPKI body), so the DER decides.
    private static SsvOperatorPublicKey FromDer(byte[] der)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(der, out var read);
            if (read != der.Length) throw new KeyMaterialException("operator public key has trailing bytes");
        }
        catch (CryptographicException)
        {
            try
            {
                rsa.ImportRSAPublicKey(der, out var read);
                if (read != der.Length) throw new KeyMaterialException("operator public key has trailing bytes");
            }
            catch (CryptographicException)
            {
                throw new KeyMaterialException("operator public key is neither a SubjectPublicKeyInfo nor a PKCS#1 RSA key");
            }
        }
        if (rsa.KeySize < 2048) throw new KeyMaterialException($"operator RSA key is {rsa.KeySize} bits, at least 2048 required");
        return new SsvOperatorPublicKey(rsa.ExportSubjectPublicKeyInfo());
    }

    internal static SsvOperatorPublicKey FromRsa(RSA rsa) => new(rsa.ExportSubjectPublicKeyInfo());

    public int KeySizeBits
    {
        get
        {
            using var rsa = Import();
            return rsa.KeySize;
        }
    }

    /// <summary>The SSV base64 form (what `operatorKey` and the registry contract hold).</summary>
    public string ToBase64()
    {
        var pem = new StringBuilder("-----BEGIN RSA PUBLIC KEY-----\n");
        var body = Convert.ToBase64String(_spki);
        for (var i = 0; i < body.Length; i += 64) pem.Append(body, i, Math.Min(64, body.Length - i)).Append('\n');
        pem.Append("-----END RSA PUBLIC KEY-----\n");
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(pem.ToString()));
    }

    /// <summary>RSA PKCS#1 v1.5 encryption (randomised).</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        using var rsa = Import();
        return rsa.Encrypt(plaintext.ToArray(), RSAEncryptionPadding.Pkcs1);
    }

    /// <summary>Encrypts a 32-byte BLS share as SSV nodes expect it: the lowercase hex text of the share, no 0x.</summary>
    public byte[] EncryptShare(ReadOnlySpan<byte> shareSecret)
    {
        if (shareSecret.Length != 32) throw new ArgumentException("a BLS share secret is 32 bytes", nameof(shareSecret));
        var hex = Encoding.ASCII.GetBytes(Hex.Encode(shareSecret, prefix: false));
        try
        {
            return Encrypt(hex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hex);
        }
    }

    private RSA Import()
    {
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_spki, out _);
        return rsa;
    }

    public bool Equals(SsvOperatorPublicKey? other) => other is not null && _spki.AsSpan().SequenceEqual(other._spki);
    public override bool Equals(object? obj) => Equals(obj as SsvOperatorPublicKey);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_spki);
        return hash.ToHashCode();
    }

    public override string ToString() => $"SsvOperatorPublicKey({Convert.ToHexStringLower(SHA256.HashData(_spki))[..16]})";
}

using System.Security.Cryptography;
using System.Text;

namespace DvtBus.Keystores;

/// <summary>
/// A keystore password held as its UTF-8 bytes. EIP-2335 keystores use the normalised form
/// (NFKD, control characters removed); Ethereum v3 keystores use the bytes as they are.
/// Zeroed on dispose and never printed.
/// </summary>
public sealed class KeystorePassword : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly byte[] _utf8;

    private KeystorePassword(byte[] utf8) => _utf8 = utf8;

    public static KeystorePassword FromText(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        try
        {
            return new KeystorePassword(StrictUtf8.GetBytes(password));
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("password contains an unpaired surrogate", nameof(password));
        }
    }

    /// <summary>Takes the bytes of a UTF-8 password as they are (no trimming).</summary>
    public static KeystorePassword FromUtf8(ReadOnlySpan<byte> utf8)
    {
        try
        {
            StrictUtf8.GetCharCount(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new KeyMaterialException("password is not valid UTF-8");
        }
        return new KeystorePassword(utf8.ToArray());
    }

    /// <summary>
    /// Reads a password file as raw bytes. One trailing newline (LF or CRLF) is dropped: charon
    /// writes none, but editors and `echo` add one, and it is never part of the password.
    /// </summary>
    public static KeystorePassword ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyMaterialException($"cannot read password file {path}: {e.Message}", e);
        }
        var length = bytes.Length;
        if (length > 0 && bytes[length - 1] == (byte)'\n') length--;
        if (length > 0 && bytes[length - 1] == (byte)'\r' && length < bytes.Length) length--;
        try
        {
            return FromUtf8(bytes.AsSpan(0, length));
        }
        catch (KeyMaterialException)
        {
            throw new KeyMaterialException($"password file {path} is not valid UTF-8");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    internal ReadOnlySpan<byte> Utf8 => _utf8;

    /// <summary>The EIP-2335 form: NFKD, then C0, C1 and DEL removed, as UTF-8.</summary>
    internal byte[] Eip2335Bytes()
    {
        // ASCII (the usual case) needs no normalisation: the control characters are dropped from the bytes
        // themselves, so no string copy of the password is made.
        if (Ascii.IsValid(_utf8))
        {
            var ascii = new byte[_utf8.Length];
            var n = 0;
            foreach (var b in _utf8)
                if (b is > 0x1F and not 0x7F) ascii[n++] = b;
            if (n == ascii.Length) return ascii;
            var kept = ascii[..n];
            CryptographicOperations.ZeroMemory(ascii);
            return kept;
        }
        if (!NormalisationWorks)
            throw new KeyMaterialException(
                "cannot NFKD-normalise a non-ASCII keystore password: the process runs in globalization-invariant mode "
                + "(set InvariantGlobalization=false and install ICU)");
        var text = StrictUtf8.GetString(_utf8).Normalize(NormalizationForm.FormKD);
        var filtered = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is <= 0x1F or (>= 0x7F and <= 0x9F)) continue;
            filtered.Append(rune.ToString());
        }
        return StrictUtf8.GetBytes(filtered.ToString());
    }

    // In globalization-invariant mode string.Normalize silently returns its input for non-ASCII text,
    // which would derive a wrong key and report a wrong password; detect that instead.
    private static readonly bool NormalisationWorks = "\u00C5".Normalize(NormalizationForm.FormKD).Length == 2;

    public void Dispose() => CryptographicOperations.ZeroMemory(_utf8);

    public override string ToString() => "KeystorePassword(redacted)";
}

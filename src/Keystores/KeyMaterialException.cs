namespace DvtBus.Keystores;

/// <summary>
/// Key material that cannot be used: a malformed keystore, key-share file or cluster lock, or a key
/// that does not match the public key it is declared with. Messages name files and validators,
/// never secrets.
/// </summary>
public class KeyMaterialException : Exception
{
    public KeyMaterialException(string message) : base(message) { }

    public KeyMaterialException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The keystore's checksum (or MAC) does not match: almost always a wrong password.</summary>
public sealed class WrongPasswordException : KeyMaterialException
{
    public WrongPasswordException() : base("checksum mismatch: wrong password?") { }

    public WrongPasswordException(string message) : base(message) { }

    public WrongPasswordException(string message, Exception inner) : base(message, inner) { }
}

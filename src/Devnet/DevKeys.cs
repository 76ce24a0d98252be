using System.Security.Cryptography;
using DvtBus.Ethereum.Crypto;

namespace DvtBus.Devnet;

/// <summary>
/// Random secp256k1 keys whose secret this tool writes out (oracle key files, the manager's keystore):
/// <see cref="EthPrivateKey.Generate"/> never hands its secret back.
/// </summary>
internal static class DevKeys
{
    /// <summary>Fills <paramref name="secret"/> with a valid secp256k1 scalar and returns its key.</summary>
    public static EthPrivateKey NewSecp256k1(byte[] secret)
    {
        while (true)
        {
            RandomNumberGenerator.Fill(secret);
            try
            {
                return EthPrivateKey.FromBytes(secret);
            }
            catch (FormatException)
            {
                // Out of the curve's range (odds about 2^-128): draw again.
            }
        }
    }
}

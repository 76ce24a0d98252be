using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.StakeWise;

/// <summary>The keeper's `signatures` argument: oracle approvals concatenated in strictly increasing signer order.</summary>
public static class OracleSignatures
{
    /// <summary>
    /// Recovers each approval's signer from the KeeperValidators digest and concatenates the 65-byte
    /// signatures sorted by signer address ascending, as the keeper contract checks them. A signature
    /// that recovers to no key, or two from the same signer, is refused: the keeper would revert. Each is packed in
    /// the low-s form: the keeper's ECDSA refuses a high-s signature, which an oracle whose signer does not normalise
    /// sends half the time.
    /// </summary>
    public static byte[] Pack(Bytes32 keeperValidatorsHash, IEnumerable<EthSignature> approvals)
    {
        var bySigner = new SortedDictionary<string, EthSignature>(StringComparer.Ordinal);
        foreach (var approval in approvals)
        {
            if (!approval.TryRecover(keeperValidatorsHash, out var signer))
                throw new FormatException("an oracle signature does not recover to any key");
            if (!bySigner.TryAdd(Hex.Encode(signer.Span), approval.ToLowS()))
                throw new FormatException($"two oracle signatures come from the same signer {signer}");
        }
        return bySigner.Values.SelectMany(s => s.ToBytes()).ToArray();
    }
}

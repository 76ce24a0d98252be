using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Operator.Registration;

/// <summary>One oracle's answer: its signature over KeeperValidators for the content id and deadline it chose.</summary>
public sealed record OracleApproval(EthSignature Signature, string IpfsHash, long Deadline);

/// <summary>The approvals the vault call carries: exactly the keeper's minimum, packed in ascending signer order.</summary>
public sealed record SelectedApprovals(string IpfsHash, long Deadline, byte[] Signatures, int Count);

public static class ApprovalSelection
{
    /// <summary>
    /// Keeps the largest group of answers that agree on (ipfs_hash, deadline) (the later deadline wins a
    /// tie), drops signatures that do not recover to one of the keeper's <paramref name="oracles"/> (any
    /// signature recovers to some key) or repeat a signer, and takes the
    /// <paramref name="minOracles"/> signers with the lowest addresses. Null with a reason when too few agree.
    /// </summary>
    public static SelectedApprovals? Select(
        IReadOnlyList<OracleApproval> answers, int minOracles, IReadOnlySet<Address> oracles, Func<string, BigInteger, Bytes32> keeperValidatorsHash,
        out string? shortfall)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minOracles, 1);
        var groups = answers
            .GroupBy(a => (a.IpfsHash, a.Deadline))
            .Select(g =>
            {
                var hash = keeperValidatorsHash(g.Key.IpfsHash, g.Key.Deadline);
                var bySigner = new SortedDictionary<string, EthSignature>(StringComparer.Ordinal);
                foreach (var answer in g)
                    if (answer.Signature.TryRecover(hash, out var signer) && oracles.Contains(signer)) bySigner.TryAdd(Hex.Encode(signer.Span), answer.Signature);
                return (g.Key.IpfsHash, g.Key.Deadline, Hash: hash, Signers: bySigner);
            })
            .OrderByDescending(g => g.Signers.Count).ThenByDescending(g => g.Deadline)
            .ToList();
        var best = groups.FirstOrDefault();
        if (best.Signers is null || best.Signers.Count < minOracles)
        {
            shortfall = $"{best.Signers?.Count ?? 0} of {answers.Count} answering oracles agree on one approval; the keeper needs {minOracles}";
            return null;
        }
        shortfall = null;
        var chosen = best.Signers.Values.Take(minOracles).ToList();
        return new SelectedApprovals(best.IpfsHash, best.Deadline, OracleSignatures.Pack(best.Hash, chosen), chosen.Count);
    }
}

using DvtBus.Deposits;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Chain;

/// <summary>The deposit index could not give indexes that can be trusted now; the request may be repeated.</summary>
internal sealed class IndexUnavailableException(string message) : Exception(message);

/// <summary>
/// The validator indexes of keys the caller did not give them for, from the network's deposits as last read by
/// the relayer's <see cref="DepositScanner"/>: a deposited key's own index, the next free ones for the others in
/// the order asked. Only when the last read is recent (<see cref="ChainOptions.MaxStaleness"/>): an exit signed
/// for an index that is no longer next is no use to the oracles.
/// </summary>
internal sealed class IndexPrediction(DepositIndex deposits, TimeSpan maxStaleness)
{
    public async Task<IReadOnlyList<ulong>> PredictAsync(IReadOnlyList<BlsPublicKey> keys, CancellationToken ct)
    {
        var read = deposits.LastSyncedAt;
        var failure = deposits.LastFailure is { } reason ? $" (the last read failed: {reason})" : "";
        if (read is null)
            throw new IndexUnavailableException($"the deposit logs have not been read from Chain:RpcUrl yet{failure}, so the validator indexes are not known; repeat the call");
        var age = DateTimeOffset.UtcNow - read.Value;
        if (age > maxStaleness)
            throw new IndexUnavailableException(
                $"the deposit logs were last read from Chain:RpcUrl {age.TotalSeconds:F0} s ago, longer than Chain:MaxStaleness{failure}, so the validator indexes may have moved; repeat the call");
        return await deposits.PredictAsync(keys, ct);
    }
}

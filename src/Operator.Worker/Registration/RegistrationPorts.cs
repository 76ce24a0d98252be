using DvtBus.Primitives;

namespace DvtBus.Operator.Registration;

/// <summary>The index the next new validator of the network gets, read fresh from the execution node.</summary>
public interface IValidatorIndexSource
{
    Task<ulong> NextIndexAsync(CancellationToken ct);
}

/// <summary>Where the saga records each batch's progress, and what happens to the file when a batch ends.</summary>
public interface IBatchProgress
{
    Task RecordAsync(Guid batchId, string state, ulong? startIndex, Bytes32? transactionHash, CancellationToken ct);

    Task FinishAsync(Guid batchId, bool registered, Bytes32? transactionHash, ulong? blockNumber, string? failure, CancellationToken ct);

    /// <summary>A failed batch's transaction was mined after all: the batch is Registered.</summary>
    Task RegisteredAfterFailureAsync(Guid batchId, Bytes32 transactionHash, ulong blockNumber, CancellationToken ct);
}

/// <summary>The oracle shards the relayer sent, by validator and index.</summary>
public interface IExitSignatureStore
{
    /// <summary>Which of the validators already have shards stored for exactly the given index.</summary>
    Task<IReadOnlyList<RequestedShards>> StoredAsync(IReadOnlyList<RequestedShards> wanted, CancellationToken ct);
}

public sealed record RequestedShards(BlsPublicKey PublicKey, ulong ValidatorIndex);

/// <summary>The batch's registration transactions that reached the node or may have, whatever the saga heard of them.</summary>
public interface ISentRegistrations
{
    /// <summary>Hashes of the batch's sent transactions that still hold their nonce, oldest first: any of them may be mined.</summary>
    Task<IReadOnlyList<Bytes32>> SentAsync(Guid batchId, CancellationToken ct);
}

/// <summary>The vault the operator registers validators on, and the keeper whose oracles approve them.</summary>
public sealed record RegistrationTarget(Address Vault, Address Keeper);

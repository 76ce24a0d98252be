using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Primitives;

namespace DvtBus.Operator.Registration;

/// <summary>The saga's progress in <c>operator.batches</c>; a file's last finished batch moves the file out of processing/.</summary>
internal sealed class BatchProgress(BatchStore batches, DepositIntake intake) : IBatchProgress
{
    public Task RecordAsync(Guid batchId, string state, ulong? startIndex, Bytes32? transactionHash, CancellationToken ct) =>
        batches.SetStateAsync(batchId, state, ct, startIndex, transactionHash);

    public async Task FinishAsync(Guid batchId, bool registered, Bytes32? transactionHash, ulong? blockNumber, string? failure, CancellationToken ct)
    {
        var file = await batches.FinishAsync(batchId, registered ? BatchStates.Registered : BatchStates.Failed, ct, transactionHash, blockNumber, failure);
        if (file is not null) await intake.CompleteAsync(file, ct);
    }

    public Task RegisteredAfterFailureAsync(Guid batchId, Bytes32 transactionHash, ulong blockNumber, CancellationToken ct) =>
        batches.RegisteredAfterFailureAsync(batchId, transactionHash, blockNumber, ct);
}

/// <summary>The next index after reading the deposit logs up to the latest block.</summary>
internal sealed class FreshValidatorIndex(DepositIndex index) : IValidatorIndexSource
{
    public async Task<ulong> NextIndexAsync(CancellationToken ct)
    {
        await index.SyncAsync(ct);
        return await index.NextIndexAsync(ct);
    }
}

using Dapper;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Operator.Registration;

/// <summary>A batch's approvals of its latest round, for the vault call.</summary>
public sealed record StoredApprovals(ulong StartIndex, Bytes32 RegistryRoot, long Deadline, string IpfsHash, byte[] Signatures);

public sealed class ApprovalStore(NpgsqlDataSource db)
{
    public async Task SaveAsync(Guid batchId, StoredApprovals approvals, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO operator.approvals (batch_id, start_index, registry_root, deadline, ipfs_hash, signatures)
            VALUES (@batchId, @startIndex, @root, @deadline, @ipfsHash, @signatures)
            ON CONFLICT (batch_id) DO UPDATE SET start_index = EXCLUDED.start_index, registry_root = EXCLUDED.registry_root,
                deadline = EXCLUDED.deadline, ipfs_hash = EXCLUDED.ipfs_hash, signatures = EXCLUDED.signatures, collected_at = now()
            """,
            new
            {
                batchId, startIndex = (long)approvals.StartIndex, root = approvals.RegistryRoot.ToArray(), deadline = approvals.Deadline,
                ipfsHash = approvals.IpfsHash, signatures = approvals.Signatures,
            }, cancellationToken: ct));
    }

    public async Task<StoredApprovals?> LoadAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT start_index AS StartIndex, registry_root AS RegistryRoot, deadline, ipfs_hash AS IpfsHash, signatures FROM operator.approvals WHERE batch_id = @batchId",
            new { batchId }, cancellationToken: ct));
        return row is null ? null : new StoredApprovals((ulong)row.StartIndex, Bytes32.From(row.RegistryRoot), row.Deadline, row.IpfsHash, row.Signatures);
    }

    private sealed record Row(long StartIndex, byte[] RegistryRoot, long Deadline, string IpfsHash, byte[] Signatures);
}

using DvtBus.Primitives;
using MassTransit;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// One exit's state machine instance, stored as JSON in <c>relayer.exit_sagas</c>: which exit it is, the
/// latest request for it, and how far it got. The shares and the oracle shards themselves live in their
/// tables, written in the same transaction; no signature is ever part of this state.
/// </summary>
public sealed class ExitSaga : SagaStateMachineInstance, ISagaVersion
{
    /// <summary><see cref="Contracts.ExitId.For"/> of network, key and index.</summary>
    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = "";

    public int Version { get; set; }

    public string Network { get; set; } = "";

    /// <summary>0x-hex, 48 bytes.</summary>
    public string ValidatorPublicKey { get; set; } = "";

    public long ValidatorIndex { get; set; }

    public long Epoch { get; set; }

    /// <summary>The latest request for this exit, in microseconds (what PostgreSQL keeps), UTC.</summary>
    public DateTime RequestedAt { get; set; }

    /// <summary>When the current lifetime ends (its durable timeout is due).</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>The cluster's threshold, once a share met an announced cluster.</summary>
    public int? Threshold { get; set; }

    /// <summary>Verified shares stored for this exit.</summary>
    public int SharesAccepted { get; set; }

    /// <summary>Set once the oracle shards exist; they are computed once and kept through supersession.</summary>
    public DateTime? ReadyAt { get; set; }

    public DateTime? ExpiredAt { get; set; }

    /// <summary>The exit of a later request for the same key, while this one is superseded.</summary>
    public Guid? SupersededBy { get; set; }

    /// <summary>The last event this exit could not handle after every retry (it waits in the error queue).</summary>
    public string? LastFault { get; set; }

    internal BlsPublicKey Key => BlsPublicKey.Parse(ValidatorPublicKey);

    /// <summary>PostgreSQL keeps microseconds: comparing requests in .NET and in SQL must see the same instant.</summary>
    internal static DateTime Microseconds(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }
}

namespace DvtBus.Contracts;

/// <summary>
/// The relayer learnt the cluster of the exit's validator: the shares that waited for it can now be verified.
/// Internal to the relayer, between its announcement intake and the exit's state machine.
/// </summary>
public sealed record PendingSharesReleased
{
    public required Guid ExitId { get; init; }
}

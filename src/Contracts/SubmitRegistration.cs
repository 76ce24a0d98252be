namespace DvtBus.Contracts;

/// <summary>The operator's registration saga asks its transaction step to register an approved batch on the vault.</summary>
public sealed record SubmitRegistration
{
    public required Guid BatchId { get; init; }
    public required ulong StartIndex { get; init; }
}

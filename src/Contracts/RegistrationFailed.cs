namespace DvtBus.Contracts;

/// <summary>A batch ended without registering; the stage and reason say what a person must look at.</summary>
public sealed record RegistrationFailed
{
    public required Guid BatchId { get; init; }
    public required string Stage { get; init; }
    public required string Reason { get; init; }
}

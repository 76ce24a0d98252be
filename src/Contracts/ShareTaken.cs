namespace DvtBus.Contracts;

/// <summary>
/// The relayer's answer to a <see cref="ShareSubmitted"/> sent as a request, when the share was not refused:
/// verified and stored, or (<see cref="Pending"/>) kept until its exit or its cluster's announcement arrives.
/// A refused share is answered with <see cref="ShareRejected"/>.
/// </summary>
public sealed record ShareTaken
{
    public required Guid ExitId { get; init; }
    public required ulong ShareIndex { get; init; }
    public required bool Pending { get; init; }
}

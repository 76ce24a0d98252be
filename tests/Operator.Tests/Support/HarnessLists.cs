using MassTransit.Testing;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// The messages a test harness list holds now, never waiting for more. The list's own synchronous
/// <c>Select</c> waits for further messages once it has returned the ones it holds, and disposing it then
/// deadlocks when the harness's inactivity fires at that moment (the callback wants the lock the reader
/// holds while it waits for the callback): a poll must only look, so every read here passes a token that
/// is already cancelled, which ends the enumeration after the messages held.
/// </summary>
public static class HarnessLists
{
    private static readonly CancellationToken Now = new(canceled: true);

    public static IEnumerable<IPublishedMessage<T>> Held<T>(this IPublishedMessageList list) where T : class => list.Select<T>(Now);

    public static IEnumerable<IReceivedMessage<T>> Held<T>(this IReceivedMessageList list) where T : class => list.Select<T>(Now);

    public static IEnumerable<IReceivedMessage<T>> Held<T>(this IReceivedMessageList list, FilterDelegate<IReceivedMessage<T>> filter) where T : class =>
        list.Select(filter, Now);
}

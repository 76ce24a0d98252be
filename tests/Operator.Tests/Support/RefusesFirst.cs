using MassTransit;

namespace DvtBus.Operator.Tests.Support;

/// <summary>Refuses the first publish of a <typeparamref name="TMessage"/>, as a broker gone for a moment would; passes everything else on.</summary>
public sealed class RefusesFirst<TMessage>(IPublishEndpoint bus) : IPublishEndpoint where TMessage : class
{
    private int _refused;

    public Task Publish<T>(T message, CancellationToken cancellationToken = default) where T : class =>
        message is TMessage && Interlocked.Exchange(ref _refused, 1) == 0
            ? Task.FromException(new MassTransitException("the broker is unreachable"))
            : bus.Publish(message, cancellationToken);

    public Task Publish<T>(T message, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish(message, publishPipe, cancellationToken);

    public Task Publish<T>(T message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish(message, publishPipe, cancellationToken);

    public Task Publish(object message, CancellationToken cancellationToken = default) => bus.Publish(message, cancellationToken);

    public Task Publish(object message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) =>
        bus.Publish(message, publishPipe, cancellationToken);

    public Task Publish(object message, Type messageType, CancellationToken cancellationToken = default) =>
        bus.Publish(message, messageType, cancellationToken);

    public Task Publish(object message, Type messageType, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) =>
        bus.Publish(message, messageType, publishPipe, cancellationToken);

    public Task Publish<T>(object values, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish<T>(values, cancellationToken);

    public Task Publish<T>(object values, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish<T>(values, publishPipe, cancellationToken);

    public Task Publish<T>(object values, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish<T>(values, publishPipe, cancellationToken);

    public ConnectHandle ConnectPublishObserver(IPublishObserver observer) => bus.ConnectPublishObserver(observer);
}

using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace DvtBus.Hosting;

/// <summary>
/// sd_notify for <c>Type=notify</c> units: READY=1 once the host has started (the bus is connected by
/// then, see <see cref="BusRegistration"/>), STOPPING=1 when shutdown begins. Does nothing outside systemd.
/// </summary>
internal sealed class SystemdNotifier(IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Notify("READY=1"));
        lifetime.ApplicationStopping.Register(() => Notify("STOPPING=1"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static bool Notify(string state)
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return false;
        // A leading '@' names a socket in the abstract namespace, written with a NUL first byte.
        if (path[0] == '@') path = "\0" + path[1..];
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.Send(Encoding.UTF8.GetBytes(state));
        return true;
    }
}

using System.Net.Sockets;
using System.Text;
using DvtBus.Hosting;
using DvtBus.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DvtBus.Integration.Tests;

/// <summary>NOTIFY_SOCKET is process-wide, so this class runs alone.</summary>
[CollectionDefinition(nameof(SystemdNotifyTests), DisableParallelization = true)]
public sealed class SystemdNotifyCollection;

[Collection(nameof(SystemdNotifyTests))]
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task Daemon_tells_systemd_ready_after_the_bus_started_and_stopping_on_shutdown()
    {
        var vhost = await TestServices.CreateVirtualHostAsync("notify");
        var socketPath = Path.Combine(Path.GetTempPath(), $"dvtbus-notify-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", socketPath);
        try
        {
            var builder = DaemonHost.CreateBuilder("probe", []);
            builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(vhost));
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.AddDvtBus("probe", _ => { });
            await using var app = builder.Build();

            await app.StartAsync();
            var ready = await ReceiveAsync(socket);
            await app.StopAsync();
            var stopping = await ReceiveAsync(socket);

            Assert.Equal("READY=1", ready);
            Assert.Equal("STOPPING=1", stopping);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            File.Delete(socketPath);
            await TestServices.DeleteVirtualHostAsync(vhost);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}

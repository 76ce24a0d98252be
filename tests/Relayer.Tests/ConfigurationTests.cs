using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Bad_oracle_api_and_network_settings_stop_the_relayer_before_it_starts_with_every_reason()
    {
        var args = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Urls"] = "http://127.0.0.1:0",
            ["Network:Name"] = "atlantis",
            ["Oracles:PublicKeys:0"] = "0x1234",
            ["Oracles:ExitSignatureRecoverThreshold"] = "2",
        }.Select(s => $"--{s.Key}={s.Value}").ToArray();
        await using var app = RelayerHost.Build(args);

        var e = await Record.ExceptionAsync(() => app.StartAsync());
        // The host reports one failing section as itself and several as an AggregateException.
        var failures = string.Join("\n", (e is AggregateException all ? all.InnerExceptions : [e!])
            .Select(x => Assert.IsType<OptionsValidationException>(x)).SelectMany(x => x.Failures));
        Assert.Contains("unknown network 'atlantis'", failures);
        Assert.Contains("Oracles:PublicKeys:0", failures);
        Assert.Contains("Oracles:ExitSignatureRecoverThreshold", failures);
        Assert.Contains("Api:Token", failures);
    }
}

using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("127.0.0.1:8545")]
    [InlineData("http://127.0.0.1:9")]
    public async Task Bad_oracle_api_and_network_settings_stop_the_relayer_before_it_starts_with_every_reason(string rpcUrl)
    {
        var args = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Urls"] = "http://127.0.0.1:0",
            ["Network:Name"] = "atlantis",
            ["Oracles:PublicKeys:0"] = "0x1234",
            ["Oracles:ExitSignatureRecoverThreshold"] = "2",
            ["Chain:RpcUrl"] = rpcUrl,
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
        if (!rpcUrl.StartsWith("http", StringComparison.Ordinal)) Assert.Contains("Chain:RpcUrl must be an http(s) URL", failures);
    }

    [Fact]
    public async Task A_deposit_read_older_than_the_scan_interval_allows_is_refused_as_a_setting()
    {
        var args = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Urls"] = "http://127.0.0.1:0",
            ["Network:Name"] = "mainnet",
            ["Api:Token"] = "a-token-of-sixteen-characters",
            ["Chain:RpcUrl"] = "http://127.0.0.1:9",
            ["Chain:ScanInterval"] = "00:05:00",
        }.Select(s => $"--{s.Key}={s.Value}").ToArray();
        await using var app = RelayerHost.Build(args);

        var e = await Record.ExceptionAsync(() => app.StartAsync());

        var failures = string.Join("\n", (e is AggregateException all ? all.InnerExceptions : [e!])
            .OfType<OptionsValidationException>().SelectMany(x => x.Failures));
        Assert.Contains("Chain:MaxStaleness must be longer than Chain:ScanInterval", failures);
    }
}

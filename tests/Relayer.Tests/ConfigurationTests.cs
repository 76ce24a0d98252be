using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class ConfigurationTests
{
    /// <param name="rpcUrl">A bad chain setting is one more reason; a good one (its services then built) hides none of the others.</param>
    [Theory]
    [InlineData("127.0.0.1:8545")]
    [InlineData("http://127.0.0.1:9")]
    public async Task Bad_oracle_api_and_network_settings_stop_the_relayer_before_it_starts_with_every_reason(string rpcUrl)
    {
        var failures = await StartFailuresAsync(new()
        {
            ["Network:Name"] = "atlantis",
            ["Oracles:PublicKeys:0"] = "0x1234",
            ["Oracles:ExitSignatureRecoverThreshold"] = "2",
            ["Chain:RpcUrl"] = rpcUrl,
        });

        Assert.Contains("unknown network 'atlantis'", failures);
        Assert.Contains("Oracles:PublicKeys:0", failures);
        Assert.Contains("Oracles:ExitSignatureRecoverThreshold", failures);
        Assert.Contains("Api:Token", failures);
        if (!rpcUrl.StartsWith("http", StringComparison.Ordinal)) Assert.Contains("Chain:RpcUrl must be an http(s) URL", failures);
    }

    [Fact]
    public async Task The_example_env_files_placeholder_token_is_refused()
    {
        var failures = await StartFailuresAsync(new() { ["Api:Token"] = "change-me-to-a-long-random-token" });

        Assert.Contains("Api:Token is still the example's placeholder", failures);
    }

    [Fact]
    public async Task A_deposit_read_older_than_the_scan_interval_allows_is_refused_as_a_setting()
    {
        var failures = await StartFailuresAsync(new()
        {
            ["Network:Name"] = "mainnet",
            ["Api:Token"] = "a-token-of-sixteen-characters",
            ["Chain:RpcUrl"] = "http://127.0.0.1:9",
            ["Chain:ScanInterval"] = "00:05:00",
        });

        Assert.Contains("Chain:MaxStaleness must be longer than Chain:ScanInterval", failures);
    }

    /// <summary>
    /// Indexes on hoodi start after its genesis validators, which its deposit contract never logged: built in, so a
    /// chain on hoodi needs no more settings, and a number given for a built-in network is refused like any override.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("1000000")]
    public async Task A_chain_on_hoodi_needs_no_genesis_setting_and_refuses_one(string? unlogged)
    {
        var failures = await StartFailuresAsync(new()
        {
            ["Network:Name"] = "hoodi",
            ["Network:UnloggedGenesisValidators"] = unlogged,
            ["Chain:RpcUrl"] = "http://127.0.0.1:9",
        });

        if (unlogged is null) Assert.DoesNotContain("Network", failures);
        else Assert.Contains("network 'hoodi' is built in and its parameters cannot be overridden", failures);
        Assert.Contains("Api:Token", failures);
    }

    /// <summary>Starts a relayer with the settings (broker and database that are never reached) and returns every reason it gives not to start.</summary>
    private static async Task<string> StartFailuresAsync(Dictionary<string, string?> settings)
    {
        settings["RabbitMq:Host"] = "127.0.0.1";
        settings["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none";
        settings["Urls"] = "http://127.0.0.1:0";
        await using var app = RelayerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());

        var e = await Record.ExceptionAsync(() => app.StartAsync());
        // The host reports one failing section as itself and several as an AggregateException.
        return string.Join("\n", (e is AggregateException all ? all.InnerExceptions : [e!])
            .Select(x => Assert.IsType<OptionsValidationException>(x)).SelectMany(x => x.Failures));
    }
}

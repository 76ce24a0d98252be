using Xunit;

namespace DvtBus.Operator.Tests;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Empty_settings_name_every_missing_value_in_one_list()
    {
        var result = new OperatorOptionsValidator().Validate(null, new OperatorOptions());

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        foreach (var setting in new[] { "Operator:Folder", "Operator:Network:", "Operator:Vault", "Operator:Keeper", "Operator:RpcUrl",
                     "Operator:Oracles", "Operator:ManagerKeystore", "Operator:ManagerPasswordFile" })
            Assert.Contains(failures, f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Complete_devnet_settings_pass_and_bad_numbers_or_urls_do_not()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);

        options.MaxBatchSize = 0;
        options.Confirmations = 0;
        options.Oracles.Add(new OracleEndpoint { Url = "ftp://oracle" });
        options.ResumeAfter = TimeSpan.FromMilliseconds(500);
        var failures = new OperatorOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Operator:Oracles:1:Url", StringComparison.Ordinal));
        Assert.Contains("Operator:ResumeAfter must be at least a second", failures);
    }

    /// <summary>
    /// On hoodi the validator indexes start after genesis validators its deposit contract never logged: their number
    /// is built in, so hoodi needs only its name, and a number given for it is refused like any other override.
    /// </summary>
    [Fact]
    public void Hoodi_needs_only_its_name_and_refuses_a_genesis_override()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        options.Network = new Crypto.Consensus.NetworkOptions { Name = "hoodi" };
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);

        options.Network.UnloggedGenesisValidators = 1_000_000;
        var failure = Assert.Single(new OperatorOptionsValidator().Validate(null, options).Failures!);
        Assert.Contains("network 'hoodi' is built in", failure, StringComparison.Ordinal);
    }

    /// <summary>
    /// Addresses the money follows: lower case (no checksum) or a right EIP-55 checksum pass; mixed case with a wrong
    /// checksum is a typo, named with the form it should have. Addresses from the EIP's own examples.
    /// </summary>
    [Fact]
    public void Mixed_case_addresses_with_a_wrong_checksum_are_refused_naming_the_right_form()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        options.Vault = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        options.Keeper = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";
        options.Network.DepositContractAddress = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb";
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);

        options.Vault = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        options.Network.DepositContractAddress = "0xd1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb";
        var failures = new OperatorOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("Operator:Vault 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD fails its EIP-55 checksum", failures[0], StringComparison.Ordinal);
        Assert.Contains("must read 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("Operator:Network:DepositContractAddress 0xd1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb fails", failures[1], StringComparison.Ordinal);
    }

    /// <summary>Complete devnet settings; <paramref name="file"/> stands for both the keystore and its password file.</summary>
    internal static OperatorOptions Valid(string file) => new()
    {
        Folder = "/var/lib/dvtbus/deposits",
        Network = new Crypto.Consensus.NetworkOptions
        {
            Name = "devnet", ChainId = 31337, GenesisForkVersion = "0x10000038", CapellaForkVersion = "0x40000038",
            GenesisValidatorsRoot = "0x" + new string('1', 64), DepositContractAddress = "0x" + new string('2', 40),
        },
        Vault = "0x" + new string('3', 40),
        Keeper = "0x" + new string('4', 40),
        RpcUrl = "http://127.0.0.1:8545",
        Oracles = [new OracleEndpoint { Url = "http://127.0.0.1:9000/approve" }],
        ManagerKeystore = file,
        ManagerPasswordFile = file,
    };
}

/// <summary>Settings that pass, with the manager keystore and password file a temporary file that goes when disposed.</summary>
internal sealed class ValidOptions : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public ValidOptions() => Options = OperatorOptionsTests.Valid(_file);

    public OperatorOptions Options { get; }

    public void Dispose() => File.Delete(_file);
}

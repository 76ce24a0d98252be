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
        var keystore = Path.GetTempFileName();
        try
        {
            var options = Valid(keystore);
            Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);

            options.MaxBatchSize = 0;
            options.Confirmations = 0;
            options.Oracles.Add(new OracleEndpoint { Url = "ftp://oracle" });
            var failures = new OperatorOptionsValidator().Validate(null, options).Failures!.ToList();

            Assert.Equal(3, failures.Count);
            Assert.Contains(failures, f => f.StartsWith("Operator:Oracles:1:Url", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(keystore);
        }
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

using DvtBus.Operator.Tests.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Operator.Tests;

/// <summary>
/// The operator opens the validators manager's keystore and asks the vault for its validators manager at start:
/// either failing stops it as a bad setting (the daemon exits 78 with that one line), not the first batch at its end.
/// </summary>
public sealed class ManagerCheckTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Operator_whose_keystore_does_not_open_with_its_password_stops_at_start()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "check-wrong-password");
        var wrong = Path.Combine(process.Root, "wrong.txt");
        await File.WriteAllTextAsync(wrong, "not the password\n");

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(
            () => process.StartOperatorAsync(new Dictionary<string, string?> { ["Operator:ManagerPasswordFile"] = wrong }));

        var line = Assert.Single(failure.Failures);
        Assert.StartsWith($"Operator:ManagerKeystore {Path.Combine(process.Root, "manager.json")} does not open with Operator:ManagerPasswordFile", line);
        Assert.Contains("wrong password", line);
    }

    [Fact]
    public async Task Operator_whose_key_is_not_the_vaults_validators_manager_stops_at_start_naming_both()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "check-manager");
        var keystore = Path.Combine(process.Root, "other.json");
        var password = Path.Combine(process.Root, "other.txt");
        await DevnetDeployment.WriteKeystoreAsync("check-not-the-manager", keystore, password);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => process.StartOperatorAsync(new Dictionary<string, string?>
        {
            ["Operator:ManagerKeystore"] = keystore,
            ["Operator:ManagerPasswordFile"] = password,
        }));

        using var other = DevnetDeployment.Key("check-not-the-manager");
        using var manager = DevnetDeployment.Key("check-manager");
        Assert.Equal(
            [$"Operator:ManagerKeystore holds {other.Address}, but the validators manager of vault {process.Devnet.Vault} is {manager.Address}: the vault would refuse its registrations"],
            failure.Failures);
    }
}

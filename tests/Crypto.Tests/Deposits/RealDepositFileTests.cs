using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Crypto.Tests.Deposits;

[Trait("Category", "Vectors")]
public class RealDepositFileTests
{
    public static TheoryData<string> AllFiles => new(DepositFiles.All);
    public static TheoryData<string> VaultFiles => new(DepositFiles.All.Where(f => DepositFiles.OwnVault(f) is not null));
    public static TheoryData<string> BlsCredentialFiles => new(DepositFiles.All.Where(f => DepositFiles.OwnVault(f) is null));

    [Fact]
    public void The_vectors_hold_eight_files_five_with_vault_credentials()
    {
        Assert.Equal(8, DepositFiles.All.Count());
        Assert.Equal(5, DepositFiles.All.Count(f => DepositFiles.OwnVault(f) is not null));
    }

    [Theory, MemberData(nameof(AllFiles))]
    public void Recomputed_roots_match_every_entry(string file)
    {
        foreach (var entry in DepositFiles.Array(file))
        {
            var data = new DepositData(
                BlsPublicKey.Parse((string)entry!["pubkey"]!),
                Bytes32.Parse((string)entry["withdrawal_credentials"]!),
                (ulong)entry["amount"]!,
                BlsSignature.Parse((string)entry["signature"]!));
            Assert.Equal(Bytes32.Parse((string)entry["deposit_message_root"]!), data.Message.HashTreeRoot());
            Assert.Equal(Bytes32.Parse((string)entry["deposit_data_root"]!), data.HashTreeRoot());
        }
    }

    [Theory, MemberData(nameof(VaultFiles))]
    public void File_is_valid_for_its_network_and_its_own_vault(string file)
    {
        var report = DepositDataFile.Validate(DepositFiles.Bytes(file), DepositFiles.NetworkOf(file), DepositFiles.OwnVault(file)!.Value);

        Assert.Empty(report.Issues);
        Assert.True(report.IsValid);
        var entries = DepositFiles.Array(file);
        Assert.Equal(entries.Count, report.Accepted.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var accepted = report.Accepted[i];
            Assert.Equal(BlsPublicKey.Parse((string)entries[i]!["pubkey"]!), accepted.PublicKey);
            Assert.Equal(Bytes32.Parse((string)entries[i]!["deposit_data_root"]!), accepted.DepositDataRoot);
            Assert.Equal(BlsSignature.Parse((string)entries[i]!["signature"]!), accepted.Signature);
            Assert.Equal(32_000_000_000ul, accepted.Amount);
            Assert.Equal(WithdrawalCredentials.ForVault(accepted.CredentialType, DepositFiles.OwnVault(file)!.Value), accepted.WithdrawalCredentials);
        }
    }

    [Theory, MemberData(nameof(AllFiles))]
    public void File_is_rejected_for_the_other_network_entry_by_entry(string file)
    {
        var other = DepositFiles.OtherNetworkOf(file);
        var report = DepositDataFile.Validate(DepositFiles.Bytes(file), other, DepositFiles.OwnVault(file) ?? DepositFiles.LighthouseVault);

        Assert.False(report.IsValid);
        Assert.Empty(report.Accepted);
        Assert.Equal(DepositFiles.Array(file).Count, report.Issues.Count);
        Assert.All(report.Issues, issue =>
        {
            Assert.Equal(DepositProblem.WrongForkVersion, issue.Problem);
            Assert.Contains($"not {other.Name}'s genesis fork version", issue.Reason);
        });
        Assert.Equal(Enumerable.Range(0, report.Issues.Count), report.Issues.Select(i => i.Position!.Value));
    }

    [Theory, MemberData(nameof(VaultFiles))]
    public void File_is_rejected_for_another_vault(string file)
    {
        var otherVault = Address.Parse("0x1111111111111111111111111111111111111111");
        var report = DepositDataFile.Validate(DepositFiles.Bytes(file), DepositFiles.NetworkOf(file), otherVault);

        Assert.Empty(report.Accepted);
        Assert.All(report.Issues, issue =>
        {
            Assert.Equal(DepositProblem.CredentialsNotForVault, issue.Problem);
            Assert.Contains("do not point at vault 0x1111111111111111111111111111111111111111", issue.Reason);
        });
    }

    [Theory, MemberData(nameof(BlsCredentialFiles))]
    public void Bls_credential_file_is_rejected_for_a_vault_with_that_reason(string file)
    {
        var report = DepositDataFile.Validate(DepositFiles.Bytes(file), DepositFiles.NetworkOf(file), DepositFiles.LighthouseVault);

        Assert.Empty(report.Accepted);
        Assert.Equal(DepositFiles.Array(file).Count, report.Issues.Count);
        Assert.All(report.Issues, issue =>
        {
            Assert.Equal(DepositProblem.BlsWithdrawalCredentials, issue.Problem);
            Assert.Contains("0x00 (BLS) withdrawal credentials cannot belong to a vault", issue.Reason);
            Assert.NotNull(issue.PublicKey);
        });
    }

    [Theory, MemberData(nameof(BlsCredentialFiles))]
    public void Bls_credential_file_still_has_valid_deposit_signatures(string file)
    {
        var network = DepositFiles.NetworkOf(file);
        foreach (var entry in DepositFiles.Array(file))
        {
            var message = new DepositMessage(
                BlsPublicKey.Parse((string)entry!["pubkey"]!),
                Bytes32.Parse((string)entry["withdrawal_credentials"]!),
                (ulong)entry["amount"]!);
            var signature = BlsSignature.Parse((string)entry["signature"]!);
            Assert.True(DepositSigning.Verify(network, message, signature));
            Assert.False(DepositSigning.Verify(DepositFiles.OtherNetworkOf(file), message, signature));
        }
    }

    [Fact]
    public void Signing_the_ski_deposits_reproduces_the_file_signatures()
    {
        using var exits = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("consensus", "voluntary_exit", "mainnet_signed_voluntary_exits.json")));
        var entries = DepositFiles.Array(DepositFiles.MainnetSki);
        foreach (var exit in exits.RootElement.GetProperty("exits").EnumerateArray())
        {
            var entry = entries[exit.GetProperty("validator_seed_index").GetInt32()]!;
            using var key = BlsSecretKey.FromBytes(Hex.Decode(exit.GetProperty("private_key").GetString()));
            var message = new DepositMessage(key.PublicKey, Bytes32.Parse((string)entry["withdrawal_credentials"]!), (ulong)entry["amount"]!);

            Assert.Equal(BlsPublicKey.Parse((string)entry["pubkey"]!), key.PublicKey);
            Assert.Equal(BlsSignature.Parse((string)entry["signature"]!), DepositSigning.Sign(Networks.Mainnet, key, message));
        }
    }
}

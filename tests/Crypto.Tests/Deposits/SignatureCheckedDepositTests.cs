using System.Text;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;
using Xunit;
using static DvtBus.Crypto.Tests.Deposits.DepositFiles;

namespace DvtBus.Crypto.Tests.Deposits;

/// <summary>Variants that only the BLS checks, or the batch rules after them, can tell apart.</summary>
public class SignatureCheckedDepositTests
{
    private static DepositDataReport Check(byte[] file) => DepositDataFile.Validate(file, Networks.Hoodi, LighthouseVault);

    [Fact]
    public void Rejects_signature_of_another_validator_even_with_consistent_roots()
    {
        var entry = Entry(Hoodi01, 0);
        entry["signature"] = (string)Entry(Hoodi01, 1)["signature"]!;
        var report = Check(FileOf(WithRecomputedRoots(entry), Entry(Hoodi01, 1)));

        var issue = Assert.Single(report.Issues);
        Assert.Equal((DepositProblem.InvalidSignature, 0), (issue.Problem, issue.Position));
        Assert.Contains("does not verify for hoodi", issue.Reason);
        Assert.Equal(BlsPublicKey.Parse((string)Entry(Hoodi01, 1)["pubkey"]!), Assert.Single(report.Accepted).PublicKey);
    }

    [Fact]
    public void Rejects_amount_raised_after_signing_even_with_consistent_roots()
    {
        var entry = Entry(Hoodi02, 0);
        entry["amount"] = 64_000_000_000;
        var issue = Assert.Single(Check(FileOf(WithRecomputedRoots(entry))).Issues);
        Assert.Equal(DepositProblem.InvalidSignature, issue.Problem);
    }

    [Fact]
    public void Rejects_credentials_redirected_after_signing_even_with_consistent_roots()
    {
        var entry = Entry(Hoodi01, 0);
        entry["withdrawal_credentials"] = (string)Entry(Hoodi02, 0)["withdrawal_credentials"]!;
        var issue = Assert.Single(Check(FileOf(WithRecomputedRoots(entry))).Issues);
        Assert.Equal(DepositProblem.InvalidSignature, issue.Problem);
    }

    [Fact]
    public void Rejects_identity_public_key()
    {
        var entry = Entry(Hoodi01, 0);
        entry["pubkey"] = "c0" + new string('0', 94);
        var issue = Assert.Single(Check(FileOf(WithRecomputedRoots(entry))).Issues);
        Assert.Equal(DepositProblem.InvalidPublicKey, issue.Problem);
        Assert.Contains("not a valid BLS12-381 public key", issue.Reason);
    }

    [Fact]
    public void Rejects_public_key_not_on_the_curve()
    {
        var entry = Entry(Hoodi01, 0);
        entry["pubkey"] = "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde0";
        Assert.Equal(DepositProblem.InvalidPublicKey, Assert.Single(Check(FileOf(WithRecomputedRoots(entry))).Issues).Problem);
    }

    [Fact]
    public void Keeps_the_first_of_two_identical_entries_and_rejects_the_second()
    {
        var report = Check(FileOf(Entry(Hoodi01, 0), Entry(Hoodi01, 1), Entry(Hoodi01, 0)));

        Assert.Equal(2, report.Accepted.Count);
        var issue = Assert.Single(report.Issues);
        Assert.Equal((DepositProblem.DuplicatePublicKey, 2), (issue.Problem, issue.Position));
        Assert.Contains("appears earlier", issue.Reason);
    }

    [Fact]
    public void Rejects_a_compounding_entry_in_an_execution_batch()
    {
        var report = Check(FileOf(Entry(Hoodi01, 0), Entry(Hoodi02, 1)));

        Assert.Equal(WithdrawalCredentialType.Execution, Assert.Single(report.Accepted).CredentialType);
        var issue = Assert.Single(report.Issues);
        Assert.Equal((DepositProblem.MixedCredentialTypes, 1), (issue.Problem, issue.Position));
        Assert.Contains("0x02 credentials in a batch of 0x01 credentials", issue.Reason);
    }

    [Fact]
    public void A_bad_first_entry_does_not_decide_the_batch_type()
    {
        var bad = Entry(Hoodi02, 0);
        bad["signature"] = (string)Entry(Hoodi02, 1)["signature"]!;
        var report = Check(FileOf(WithRecomputedRoots(bad), Entry(Hoodi01, 1)));

        Assert.Equal(DepositProblem.InvalidSignature, Assert.Single(report.Issues).Problem);
        Assert.Equal(WithdrawalCredentialType.Execution, Assert.Single(report.Accepted).CredentialType);
    }

    [Fact]
    public void Accepts_0x_prefixed_and_uppercase_hex()
    {
        var entries = Array(Hoodi01);
        foreach (var entry in entries)
            foreach (var field in new[] { "pubkey", "withdrawal_credentials", "signature", "deposit_message_root", "deposit_data_root", "fork_version" })
                entry![field] = "0x" + ((string)entry[field]!).ToUpperInvariant();

        var report = Check(Json(entries));
        Assert.True(report.IsValid);
        Assert.Equal(2, report.Accepted.Count);
    }

    [Fact]
    public void Accepts_a_file_that_starts_with_a_utf8_byte_order_mark()
    {
        var report = Check([.. Encoding.UTF8.GetPreamble(), .. Bytes(Hoodi01)]);
        Assert.True(report.IsValid);
    }

    [Fact]
    public void Accepts_extra_fields_and_any_key_order()
    {
        var entry = Entry(Hoodi01, 0);
        var reordered = new JsonObject(entry.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        reordered["charon_extra"] = new JsonObject { ["note"] = "ignored" };
        Assert.True(Check(FileOf(reordered)).IsValid);
    }

    [Fact]
    public void Accepts_a_devnet_file_whose_network_name_is_its_own()
    {
        var devnet = Networks.Hoodi with { Name = "devnet-7", ChainId = 31337 };
        var entry = Entry(Hoodi01, 0);
        entry["network_name"] = "kurtosis";
        Assert.True(DepositDataFile.Validate(FileOf(entry), devnet, LighthouseVault).IsValid);

        entry["network_name"] = "mainnet";
        Assert.Equal(DepositProblem.WrongNetworkName, Assert.Single(DepositDataFile.Validate(FileOf(entry), devnet, LighthouseVault).Issues).Problem);
    }

    [Fact]
    public void Finds_the_one_bad_signature_in_a_batch_larger_than_one_verification_chunk()
    {
        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, LighthouseVault);
        var entries = new List<JsonObject>();
        for (var i = 1; i <= 34; i++)
        {
            var secret = new byte[32];
            secret[31] = (byte)i;
            using var key = BlsSecretKey.FromBytes(secret);
            var message = new DepositMessage(key.PublicKey, credentials, 32_000_000_000);
            var signature = DepositSigning.Sign(Networks.Hoodi, key, message);
            entries.Add(new JsonObject
            {
                ["pubkey"] = Hex.Encode(key.PublicKey.Span, prefix: false),
                ["withdrawal_credentials"] = Hex.Encode(credentials.Span, prefix: false),
                ["amount"] = 32_000_000_000,
                ["signature"] = Hex.Encode(signature.Span, prefix: false),
                ["fork_version"] = "10000910",
            });
        }
        entries[33]["signature"] = (string)entries[32]["signature"]!;

        var report = Check(FileOf([.. entries.Select(WithRecomputedRoots)]));

        Assert.Equal(33, report.Accepted.Count);
        var issue = Assert.Single(report.Issues);
        Assert.Equal((DepositProblem.InvalidSignature, 33), (issue.Problem, issue.Position));
        Assert.Equal(entries.Take(33).Select(e => (string)e["pubkey"]!), report.Accepted.Select(v => Hex.Encode(v.PublicKey.Span, prefix: false)));
    }

    [Fact]
    public async Task Reads_a_valid_file_from_a_stream()
    {
        using var stream = new MemoryStream(Bytes(Hoodi02));
        var report = await DepositDataFile.ValidateAsync(stream, Networks.Hoodi, LighthouseVault);
        Assert.True(report.IsValid);
        Assert.All(report.Accepted, v => Assert.Equal(WithdrawalCredentialType.Compounding, v.CredentialType));
    }
}

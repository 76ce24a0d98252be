using System.Text.Json;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Devnet.Tests;

/// <summary>
/// Runs tools/js/devnet-check.mjs once: it compiles devnet/contracts with solc, deploys them to a private
/// anvil and exercises them with real deposits from the public vectors and signed approvals. Each test
/// below asserts that one of its named checks passed.
/// </summary>
public sealed class DevnetCheckRun : IAsyncLifetime
{
    public IReadOnlySet<string> Passed { get; private set; } = new HashSet<string>();

    public async Task InitializeAsync()
    {
        var stdin = JsonSerializer.Serialize(new { vectors = RepoPaths.Vectors });
        // The script exits non-zero (and NodePeer throws with the failing checks) if any check fails.
        var stdout = await NodePeer.RunAsync("devnet-check.mjs", stdin, TimeSpan.FromMinutes(2));
        var summaryLine = stdout.TrimEnd().Split('\n')[^1];
        using var summary = JsonDocument.Parse(summaryLine);
        Passed = summary.RootElement.GetProperty("passed").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        if (summary.RootElement.GetProperty("failed").GetArrayLength() != 0)
            throw new InvalidOperationException("devnet-check reported failures: " + summaryLine);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[Trait("Category", "Vectors")]
[Trait("Category", "Devnet")]
public sealed class ContractsTests(DevnetCheckRun run) : IClassFixture<DevnetCheckRun>
{
    private void AssertPassed(string check) =>
        Assert.True(run.Passed.Contains(check), $"devnet-check did not report '{check}' as passed");

    [Fact]
    public void Vault_and_deposit_contract_expose_the_stakewise_and_mainnet_selectors() => AssertPassed("selectors");

    [Fact]
    public void Empty_deposit_tree_has_the_mainnet_genesis_root() => AssertPassed("empty-root");

    [Fact]
    public void Independent_ssz_roots_match_the_vector_deposit_files() => AssertPassed("vector-roots");

    [Fact]
    public void Accepts_vector_deposits_with_mainnet_event_bytes_and_merkle_root() => AssertPassed("vector-deposits");

    [Fact]
    public void Deposit_rejects_a_root_that_does_not_match_its_data() => AssertPassed("deposit-root-mismatch");

    [Fact]
    public void Deposit_rejects_bad_amounts_and_field_lengths() => AssertPassed("deposit-bad-input");

    [Fact]
    public void Vault_credentials_are_type_byte_zeros_and_its_address() => AssertPassed("vault-credentials");

    [Fact]
    public void Only_the_keeper_owner_changes_oracles_and_threshold() => AssertPassed("keeper-admin");

    [Fact]
    public void Keeper_keeps_the_threshold_within_the_oracle_set_and_caps_it_at_30() => AssertPassed("keeper-oracle-set");

    [Fact]
    public void Rejects_registration_after_the_deadline() => AssertPassed("expired-deadline");

    [Fact]
    public void Rejects_registration_against_a_stale_registry_root() => AssertPassed("wrong-registry-root");

    [Fact]
    public void Rejects_oracle_signatures_not_sorted_by_address() => AssertPassed("unsorted-oracles");

    [Fact]
    public void Rejects_the_same_oracle_signing_twice() => AssertPassed("duplicate-oracle");

    [Fact]
    public void Rejects_fewer_or_more_signatures_than_the_threshold() => AssertPassed("signature-count");

    [Fact]
    public void Rejects_a_signature_from_a_key_that_is_not_an_oracle() => AssertPassed("non-oracle");

    [Fact]
    public void Rejects_oracle_approval_for_other_validators_bytes() => AssertPassed("tampered-validators");

    [Fact]
    public void Rejects_a_malleable_high_s_oracle_signature() => AssertPassed("malleable-signature");

    [Fact]
    public void Rejects_a_wrong_validators_manager_signature() => AssertPassed("wrong-manager");

    [Fact]
    public void Rejects_validators_bytes_that_are_not_whole_items() => AssertPassed("malformed-validators");

    [Fact]
    public void Rejects_validators_bytes_both_entry_sizes_divide() => AssertPassed("ambiguous-validators");

    [Fact]
    public void Vault_that_must_be_harvested_registers_nothing() => AssertPassed("not-harvested");

    [Fact]
    public void Checks_a_signature_the_manager_brings_in_the_current_type_only() => AssertPassed("manager-signature-checked");

    [Fact]
    public void Rejects_a_deposit_root_made_for_other_credentials() => AssertPassed("foreign-deposit-root");

    [Fact]
    public void Rejects_a_batch_the_vault_cannot_fund() => AssertPassed("insufficient-assets");

    [Fact]
    public void Registers_validators_with_32_eth_deposits_and_events() => AssertPassed("register-v1");

    [Fact]
    public void Validators_manager_registers_without_a_signature() => AssertPassed("manager-sender");

    [Fact]
    public void Compounding_vault_rejects_wrong_item_size_and_amount() => AssertPassed("v2-rejects");

    [Fact]
    public void Compounding_vault_deposits_each_validators_own_amount() => AssertPassed("register-v2");
}

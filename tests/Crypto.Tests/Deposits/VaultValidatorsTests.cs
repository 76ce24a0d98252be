using System.Buffers.Binary;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;
using Xunit;
using static DvtBus.Crypto.Tests.Deposits.DepositFiles;

namespace DvtBus.Crypto.Tests.Deposits;

public class VaultValidatorsTests
{
    private static DepositValidator FromFile(string file, int position, ulong? amount = null)
    {
        var e = Entry(file, position);
        return new DepositValidator(
            BlsPublicKey.Parse((string)e["pubkey"]!),
            Bytes32.Parse((string)e["withdrawal_credentials"]!),
            amount ?? (ulong)e["amount"]!,
            BlsSignature.Parse((string)e["signature"]!),
            Bytes32.Parse((string)e["deposit_data_root"]!));
    }

    [Fact]
    public void Packs_execution_validators_as_176_bytes_each()
    {
        var validators = new[] { FromFile(Hoodi01, 0), FromFile(Hoodi01, 1) };
        var packed = VaultValidators.Pack(validators);

        Assert.Equal(2 * 176, packed.Length);
        for (var i = 0; i < 2; i++)
        {
            var entry = packed.AsSpan(i * 176, 176);
            Assert.True(entry[..48].SequenceEqual(validators[i].PublicKey.Span));
            Assert.True(entry[48..144].SequenceEqual(validators[i].Signature.Span));
            Assert.True(entry[144..].SequenceEqual(validators[i].DepositDataRoot.Span));
        }
    }

    [Fact]
    public void Packs_compounding_validators_with_a_big_endian_gwei_amount()
    {
        var validators = new[] { FromFile(Hoodi02, 0), FromFile(Hoodi02, 1, amount: 2_048_000_000_000) };
        var packed = VaultValidators.Pack(validators);

        Assert.Equal(2 * 184, packed.Length);
        Assert.True(packed.AsSpan(0, 48).SequenceEqual(validators[0].PublicKey.Span));
        Assert.True(packed.AsSpan(144, 32).SequenceEqual(validators[0].DepositDataRoot.Span));
        Assert.Equal("0000000773594000", Convert.ToHexString(packed.AsSpan(176, 8)));
        Assert.Equal(32_000_000_000ul, BinaryPrimitives.ReadUInt64BigEndian(packed.AsSpan(176, 8)));
        Assert.Equal(2_048_000_000_000ul, BinaryPrimitives.ReadUInt64BigEndian(packed.AsSpan(184 + 176, 8)));
    }

    [Fact]
    public void Refuses_to_pack_a_mixed_batch()
    {
        var error = Assert.Throws<ArgumentException>(() => VaultValidators.Pack([FromFile(Hoodi01, 0), FromFile(Hoodi02, 1)]));
        Assert.Contains("one withdrawal credential type", error.Message);
    }

    [Fact]
    public void Refuses_to_pack_bls_credentials_or_nothing()
    {
        Assert.Throws<ArgumentException>(() => VaultValidators.Pack([FromFile(HoodiBls, 0)]));
        Assert.Throws<ArgumentException>(() => VaultValidators.Pack([]));
    }

    [Fact]
    public void Vault_credentials_are_type_then_eleven_zero_bytes_then_the_vault()
    {
        var vault = Address.Parse("0x0f51bb10119727a7e5ea3538074fb341f56b09ad");
        Assert.Equal(Bytes32.Parse("0x0100000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad"),
            WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, vault));
        Assert.Equal(Bytes32.Parse("0x0200000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad"),
            WithdrawalCredentials.ForVault(WithdrawalCredentialType.Compounding, vault));
        Assert.Throws<ArgumentOutOfRangeException>(() => WithdrawalCredentials.ForVault(WithdrawalCredentialType.Bls, vault));
    }

    /// <summary>The vault reads the entry type from the length alone and refuses 4048 bytes and its multiples.</summary>
    [Theory]
    [InlineData(WithdrawalCredentialType.Execution, 23, true)]
    [InlineData(WithdrawalCredentialType.Execution, 46, true)]
    [InlineData(WithdrawalCredentialType.Execution, 22, false)]
    [InlineData(WithdrawalCredentialType.Execution, 24, false)]
    [InlineData(WithdrawalCredentialType.Compounding, 22, true)]
    [InlineData(WithdrawalCredentialType.Compounding, 44, true)]
    [InlineData(WithdrawalCredentialType.Compounding, 23, false)]
    [InlineData(WithdrawalCredentialType.Execution, 1, false)]
    public void Lengths_both_entry_sizes_divide_are_ambiguous(WithdrawalCredentialType type, int count, bool ambiguous)
    {
        Assert.Equal(ambiguous, VaultValidators.IsAmbiguous(type, count));
        var bytes = count * (type == WithdrawalCredentialType.Execution ? 176 : 184);
        Assert.Equal(ambiguous, bytes % 176 == 0 && bytes % 184 == 0);
    }

    [Fact]
    public void Refuses_to_pack_a_batch_the_vault_could_not_read()
    {
        var validators = Enumerable.Repeat(FromFile(Hoodi01, 0), 23).ToArray();
        var error = Assert.Throws<ArgumentException>(() => VaultValidators.Pack(validators));
        Assert.Contains("4048 bytes", error.Message);
        Assert.Equal(22 * 176, VaultValidators.Pack(validators[..22]).Length);
    }

    [Theory]
    [InlineData(WithdrawalCredentialType.Execution, 23, 50, new[] { 22, 1 })]
    [InlineData(WithdrawalCredentialType.Execution, 73, 50, new[] { 50, 22, 1 })]
    [InlineData(WithdrawalCredentialType.Execution, 46, 50, new[] { 45, 1 })]
    [InlineData(WithdrawalCredentialType.Execution, 100, 23, new[] { 22, 22, 22, 22, 12 })]
    [InlineData(WithdrawalCredentialType.Execution, 10, 50, new[] { 10 })]
    [InlineData(WithdrawalCredentialType.Execution, 0, 50, new int[0])]
    [InlineData(WithdrawalCredentialType.Compounding, 22, 50, new[] { 21, 1 })]
    [InlineData(WithdrawalCredentialType.Compounding, 23, 50, new[] { 23 })]
    [InlineData(WithdrawalCredentialType.Compounding, 7, 3, new[] { 3, 3, 1 })]
    public void Batches_are_split_around_the_sizes_the_vault_refuses(WithdrawalCredentialType type, int count, int max, int[] expected)
    {
        Assert.Equal(expected, VaultValidators.BatchSizes(type, count, max));
    }

    [Fact]
    public void No_split_of_any_count_holds_a_size_the_vault_refuses_or_above_the_limit()
    {
        foreach (var type in new[] { WithdrawalCredentialType.Execution, WithdrawalCredentialType.Compounding })
            for (var max = 1; max <= 100; max++)
                for (var count = 0; count <= 300; count += 7)
                {
                    var sizes = VaultValidators.BatchSizes(type, count, max);
                    Assert.Equal(count, sizes.Sum());
                    Assert.All(sizes, s => Assert.InRange(s, 1, max));
                    Assert.DoesNotContain(sizes, s => VaultValidators.IsAmbiguous(type, s));
                }
    }
}

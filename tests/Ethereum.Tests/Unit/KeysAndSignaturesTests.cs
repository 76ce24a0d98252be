using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

public class KeysAndSignaturesTests
{
    [Fact]
    public void Keccak_of_empty_input_is_the_known_constant()
    {
        Assert.Equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Keccak.Hash([]).ToString());
        Assert.Equal("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", Keccak.Hash("abc").ToString());
    }

    [Fact]
    public void Derives_the_address_of_the_first_anvil_dev_key()
    {
        using var key = EthPrivateKey.FromHex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", AddressChecksum.Encode(key.Address));
    }

    [Fact]
    public void Signs_the_eip155_example_hash_deterministically()
    {
        // EIP-155's worked example: key 0x4646..46 signs this legacy-transaction hash with these r and s (RFC 6979 nonce).
        using var key = EthPrivateKey.FromHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var hash = Bytes32.Parse("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
        var signature = key.Sign(hash);
        Assert.Equal(
            System.Numerics.BigInteger.Parse("18515461264373351373200002665853028612451056578545711640558177340181847433846"),
            new System.Numerics.BigInteger(signature.R.Span, isUnsigned: true, isBigEndian: true));
        Assert.Equal(
            System.Numerics.BigInteger.Parse("46948507304638947509940763649030358759909902576025900602547168820602576006531"),
            new System.Numerics.BigInteger(signature.S.Span, isUnsigned: true, isBigEndian: true));
        Assert.Equal(0, signature.RecoveryId);
        Assert.Equal(key.Address, signature.Recover(hash));
    }

    [Fact]
    public void Signatures_are_low_s_and_recover_to_the_signer()
    {
        for (var i = 0; i < 20; i++)
        {
            using var key = EthPrivateKey.Generate();
            var hash = Keccak.Hash(BitConverter.GetBytes(i));
            var signature = key.Sign(hash);
            Assert.True(signature.S.Span[0] < 0x80, "s must be in the lower half of the order");
            Assert.True(signature.Verify(hash, key.Address));
            Assert.Equal(signature, EthSignature.FromBytes(signature.ToBytes()));
            Assert.Equal(key.Sign(hash), signature);
        }
    }

    [Fact]
    public void Verify_rejects_another_hash_a_high_s_twin_and_garbage_without_throwing()
    {
        using var key = EthPrivateKey.Generate();
        var hash = Keccak.Hash("message");
        var signature = key.Sign(hash);
        Assert.False(signature.Verify(Keccak.Hash("other"), key.Address));

        var order = System.Numerics.BigInteger.Parse("115792089237316195423570985008687907852837564279074904382605163141518161494337");
        var highS = order - new System.Numerics.BigInteger(signature.S.Span, isUnsigned: true, isBigEndian: true);
        var highSBytes = new byte[32];
        highS.TryWriteBytes(highSBytes, out _, isUnsigned: true, isBigEndian: true);
        var twin = EthSignature.Create(signature.R, Bytes32.From(highSBytes), 1 - signature.RecoveryId);
        Assert.Equal(key.Address, twin.Recover(hash));
        Assert.False(twin.Verify(hash, key.Address));

        var zeros = EthSignature.FromBytes([.. new byte[64], 27]);
        Assert.False(zeros.TryRecover(hash, out _));
        Assert.False(zeros.Verify(hash, key.Address));
        Assert.False(default(EthSignature).Verify(hash, key.Address));
        Assert.Throws<FormatException>(() => EthSignature.FromBytes(new byte[64]));
        Assert.Throws<FormatException>(() => EthSignature.FromBytes([.. new byte[64], 29]));
    }

    [Fact]
    public void Rejects_out_of_range_private_keys_without_echoing_them()
    {
        var order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        var ex = Assert.Throws<FormatException>(() => EthPrivateKey.FromHex(order));
        Assert.DoesNotContain(order, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<FormatException>(() => EthPrivateKey.FromHex("0x" + new string('0', 64)));
        Assert.Throws<FormatException>(() => EthPrivateKey.FromHex("0x1234"));
        Assert.Throws<FormatException>(() => EthPrivateKey.FromHex(null));
    }

    [Fact]
    public void ToString_shows_the_address_never_the_secret()
    {
        const string secret = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        using var key = EthPrivateKey.FromHex(secret);
        Assert.DoesNotContain(secret, key.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", key.ToString());
    }

    [Fact]
    public void A_disposed_key_refuses_to_sign()
    {
        var key = EthPrivateKey.Generate();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign(Keccak.Hash("x")));
    }

    [Fact]
    public void Personal_message_hash_matches_the_eip191_definition()
    {
        // keccak256("\x19Ethereum Signed Message:\n11hello world"), as every wallet computes it for "hello world".
        Assert.Equal("0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68", Eip191.Hash("hello world").ToString());
    }

    [Theory]
    [InlineData("0x52908400098527886E0F7030069857D2E4169EE7")]
    [InlineData("0x8617E340B3D01FA5F11F306F4090FD50E238070D")]
    [InlineData("0xde709f2102306220921060314715629080e2fb77")]
    [InlineData("0x27b1fdb04752bbc536007a920d24acb045561c26")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Eip55_examples_are_valid(string address)
    {
        Assert.True(AddressChecksum.IsValid(address));
        var isSingleCase = address[2..] == address[2..].ToLowerInvariant() || address[2..] == address[2..].ToUpperInvariant();
        if (!isSingleCase) Assert.Equal(address, AddressChecksum.Encode(Address.Parse(address)));
    }

    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")]
    [InlineData("0xfb6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA")]
    [InlineData("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData(null)]
    public void Rejects_mistyped_or_malformed_checksum_addresses(string? address) =>
        Assert.False(AddressChecksum.IsValid(address));
}

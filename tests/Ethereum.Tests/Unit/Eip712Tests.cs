using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

public class Eip712Tests
{
    private static Eip712Struct Person(string name, string wallet) =>
        new("Person", new Eip712Field("name", "string", name), new Eip712Field("wallet", "address", Address.Parse(wallet)));

    private static readonly Eip712Domain MailDomain = new("Ether Mail", "1", 1, Address.Parse("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"));

    private static readonly Eip712Struct Mail = new("Mail",
        new Eip712Field("from", "Person", Person("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")),
        new Eip712Field("to", "Person", Person("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")),
        new Eip712Field("contents", "string", "Hello, Bob!"));

    [Fact]
    public void Mail_example_of_the_eip_gives_its_published_hashes()
    {
        Assert.Equal("Mail(Person from,Person to,string contents)Person(string name,address wallet)", Mail.EncodeType());
        Assert.Equal("0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2", Mail.TypeHash().ToString());
        Assert.Equal("0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e", Mail.Hash().ToString());
        Assert.Equal("0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f", MailDomain.Separator().ToString());
        Assert.Equal("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2", Eip712.Hash(MailDomain, Mail).ToString());
    }

    [Fact]
    public void Mail_example_signed_with_the_cow_key_gives_the_published_signature()
    {
        using var cow = EthPrivateKey.FromBytes(Keccak.Hash("cow").Span);
        Assert.Equal(Address.Parse("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"), cow.Address);
        var signature = Eip712.Sign(cow, MailDomain, Mail);
        Assert.Equal(28, signature.V);
        Assert.Equal("0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d", signature.R.ToString());
        Assert.Equal("0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562", signature.S.ToString());
    }

    [Fact]
    public void Vault_validators_signature_recovers_to_the_validators_manager()
    {
        using var manager = EthPrivateKey.Generate();
        var vault = Address.Parse("0x1111111111111111111111111111111111111111");
        var root = Keccak.Hash("registry");
        var validators = new byte[176];
        validators[0] = 0xaa;
        var signature = StakeWiseTypedData.SignVaultValidators(manager, 560048, vault, root, validators);
        Assert.True(signature.Verify(StakeWiseTypedData.VaultValidatorsHash(560048, vault, root, validators), manager.Address));
        Assert.False(signature.Verify(StakeWiseTypedData.VaultValidatorsHash(1, vault, root, validators), manager.Address));
        var (domain, message) = StakeWiseTypedData.VaultValidators(560048, vault, root, validators);
        Assert.Equal("VaultValidators(bytes32 nonce,bytes validators)", message.EncodeType());
        Assert.Equal("VaultValidators", domain.Name);
    }

    [Fact]
    public void Keeper_validators_type_is_the_one_the_oracles_sign()
    {
        var (domain, message) = StakeWiseTypedData.KeeperValidators(
            1, Address.Parse("0x6B5815467da09DaA7DC83Db21c9239d98Bb487b5"), Keccak.Hash("root"),
            Address.Parse("0x2222222222222222222222222222222222222222"), [1, 2, 3], "bafy", new BigInteger(1_700_000_000));
        Assert.Equal(
            "KeeperValidators(bytes32 validatorsRegistryRoot,address vault,bytes validators,string exitSignaturesIpfsHash,uint256 deadline)",
            message.EncodeType());
        Assert.Equal("KeeperOracles", domain.Name);
        Assert.Equal("1", domain.Version);
    }

    [Fact]
    public void Rejects_a_value_that_does_not_fit_its_declared_type()
    {
        var bad = new Eip712Struct("T", new Eip712Field("a", "bytes32", new byte[31]));
        Assert.ThrowsAny<ArgumentException>(() => bad.Hash());
        var wrongStruct = new Eip712Struct("T", new Eip712Field("p", "Other", Person("x", "0x0000000000000000000000000000000000000001")));
        Assert.Throws<FormatException>(() => wrongStruct.Hash());
        var badString = new Eip712Struct("T", new Eip712Field("s", "string", 5));
        Assert.Throws<FormatException>(() => badString.Hash());
    }

    [Fact]
    public void Oracle_signatures_are_packed_by_signer_address_ascending()
    {
        var hash = StakeWiseTypedData.KeeperValidatorsHash(
            1, Address.Parse("0x6B5815467da09DaA7DC83Db21c9239d98Bb487b5"), Keccak.Hash("root"),
            Address.Parse("0x2222222222222222222222222222222222222222"), new byte[176], "bafy", 1_700_000_000);
        var oracles = Enumerable.Range(0, 8).Select(_ => EthPrivateKey.Generate()).ToArray();
        try
        {
            var packed = OracleSignatures.Pack(hash, oracles.Select(o => o.Sign(hash)));
            Assert.Equal(8 * 65, packed.Length);
            var signers = packed.Chunk(65).Select(c => EthSignature.FromBytes(c).Recover(hash)).Select(a => Hex.Encode(a.Span)).ToArray();
            Assert.Equal(signers.Order(StringComparer.Ordinal), signers);
            Assert.Equal(oracles.Select(o => Hex.Encode(o.Address.Span)).Order(StringComparer.Ordinal), signers);
            Assert.Throws<FormatException>(() => OracleSignatures.Pack(hash, [oracles[0].Sign(hash), oracles[0].Sign(hash)]));
        }
        finally
        {
            foreach (var oracle in oracles) oracle.Dispose();
        }
    }
}

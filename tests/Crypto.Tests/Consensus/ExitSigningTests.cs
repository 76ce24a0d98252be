using System.Globalization;
using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Crypto.Tests.Consensus;

public class ExitSigningTests
{
    [Fact]
    public void Mainnet_check_value_from_the_protocol_document()
    {
        var exit = ExitSigning.Exit(Networks.Mainnet, 0);

        Assert.Equal(new VoluntaryExit(194048, 0), exit);
        Assert.Equal(Bytes32.Parse("0xddb080f16045a547e62a4d860dad6d9372456a19da0ff81fc978dbb47716fbad"), ExitSigning.SigningRoot(Networks.Mainnet, exit));
        Assert.Equal(Bytes32.Parse("0x04000000bba4da96354c9f25476cf1bc69bf583a7f9e0af049305b62de676640"), ExitSigning.Domain(Networks.Mainnet));
        Assert.Equal(Bytes32.Parse("0x03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"), DepositSigning.Domain(Networks.Mainnet));
    }

    [Fact]
    public void Exit_epoch_is_the_capella_epoch_of_each_network()
    {
        foreach (var network in Networks.BuiltIn)
            Assert.Equal(network.CapellaEpoch, ExitSigning.Exit(network, 7).Epoch);
    }

    [Fact]
    public void Exit_signing_root_differs_between_networks_and_indexes()
    {
        var roots = Networks.BuiltIn
            .SelectMany(n => new[] { 0ul, 1ul }.Select(i => ExitSigning.SigningRoot(n, new VoluntaryExit(5, i))))
            .ToList();
        Assert.Equal(roots.Count, roots.Distinct().Count());
    }

    public static TheoryData<int> ExitPositions => new() { 0, 1 };

    private static JsonElement Exit(int position)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("consensus", "voluntary_exit", "mainnet_signed_voluntary_exits.json")));
        return doc.RootElement.GetProperty("exits")[position].Clone();
    }

    private static VoluntaryExit Message(JsonElement exit) => new(
        ulong.Parse(exit.GetProperty("message").GetProperty("epoch").GetString()!, CultureInfo.InvariantCulture),
        ulong.Parse(exit.GetProperty("message").GetProperty("validator_index").GetString()!, CultureInfo.InvariantCulture));

    [Theory, MemberData(nameof(ExitPositions)), Trait("Category", "Vectors")]
    public void Signed_mainnet_exit_roots_match_the_vector(int position)
    {
        var exit = Exit(position);
        var derived = exit.GetProperty("derived_by_collector");
        var message = Message(exit);

        Assert.Equal(Bytes32.Parse(derived.GetProperty("voluntary_exit_hash_tree_root").GetString()), message.HashTreeRoot());
        Assert.Equal(Bytes32.Parse(derived.GetProperty("domain").GetString()), ExitSigning.Domain(Networks.Mainnet));
        Assert.Equal(Bytes32.Parse(derived.GetProperty("signing_root").GetString()), ExitSigning.SigningRoot(Networks.Mainnet, message));
    }

    [Theory, MemberData(nameof(ExitPositions)), Trait("Category", "Vectors")]
    public void Deneb_domain_gives_the_vectors_negative_signing_root(int position)
    {
        var exit = Exit(position);
        var derived = exit.GetProperty("derived_by_collector");
        var deneb = Domains.Compute(Domains.VoluntaryExit, new Bytes4(0x04000000), Networks.Mainnet.GenesisValidatorsRoot);

        Assert.Equal(Bytes32.Parse(derived.GetProperty("negative_deneb_fork_version_domain").GetString()), deneb);
        Assert.Equal(Bytes32.Parse(derived.GetProperty("negative_deneb_signing_root").GetString()), Domains.SigningRoot(Message(exit).HashTreeRoot(), deneb));
    }

    [Theory, MemberData(nameof(ExitPositions)), Trait("Category", "Vectors")]
    public void Signed_mainnet_exit_verifies_with_bls(int position)
    {
        var exit = Exit(position);
        var publicKey = BlsPublicKey.Parse(exit.GetProperty("pubkey").GetString());
        var signature = BlsSignature.Parse(exit.GetProperty("signature").GetString());

        Assert.True(ExitSigning.Verify(Networks.Mainnet, publicKey, Message(exit), signature));
        Assert.False(ExitSigning.Verify(Networks.Hoodi, publicKey, Message(exit), signature));
        Assert.False(ExitSigning.Verify(Networks.Mainnet, publicKey, Message(exit) with { ValidatorIndex = 1 }, signature));
    }

    [Theory, MemberData(nameof(ExitPositions)), Trait("Category", "Vectors")]
    public void Signing_a_mainnet_exit_reproduces_the_vector_signature(int position)
    {
        var exit = Exit(position);
        using var key = BlsSecretKey.FromBytes(Hex.Decode(exit.GetProperty("private_key").GetString()));

        Assert.Equal(BlsSignature.Parse(exit.GetProperty("signature").GetString()), ExitSigning.Sign(Networks.Mainnet, key, Message(exit)));
    }
}

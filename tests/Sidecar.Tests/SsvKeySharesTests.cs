using System.Security.Cryptography;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Sidecar.Worker.Keys;

namespace DvtBus.Sidecar.Tests;

/// <summary>Every ssv-dkg ceremony of the public vectors, loaded once through the sidecar's configuration path.</summary>
public sealed class SsvCeremonies : IAsyncLifetime
{
    private readonly Dictionary<string, LoadedSidecar> _loaded = [];

    internal LoadedSidecar this[string ceremony] => _loaded[ceremony];

    public async Task InitializeAsync()
    {
        foreach (var ceremony in SsvFixtures.Ceremonies)
            _loaded[ceremony] = await LoadedSidecar.LoadAsync(SsvFixtures.Settings(ceremony));
    }

    public async Task DisposeAsync()
    {
        foreach (var sidecar in _loaded.Values) await sidecar.DisposeAsync();
    }
}

[Trait("Category", "Vectors")]
public sealed class SsvCeremonyTests(SsvCeremonies ceremonies) : IClassFixture<SsvCeremonies>
{
    public static TheoryData<string> Ceremonies => new(SsvFixtures.Ceremonies);

    [Theory]
    [MemberData(nameof(Ceremonies))]
    public void Loads_every_operator_share_of_the_ceremony_with_the_operator_id_as_share_index(string ceremony)
    {
        var sidecar = ceremonies[ceremony];
        var ids = SsvFixtures.OperatorIds(ceremony);
        var deposits = SsvFixtures.Deposits(ceremony);

        Assert.Equal(deposits.Count, sidecar.Ring.Validators.Count);
        foreach (var deposit in deposits)
        {
            var held = sidecar.Ring.Find(BlsPublicKey.Parse(deposit.Pubkey));
            Assert.NotNull(held);
            Assert.Equal(ids, held.HeldShareIndexes);
            Assert.Equal(ids, held.PublicShares.Select(s => s.Id));
            Assert.Equal(2 * ((ids.Length - 1) / 3) + 1, held.Threshold);
            Assert.Equal(held.PublicKey, BlsThreshold.RecoverPublicKey(held.PublicShares.Take(held.Threshold).ToArray()));
        }
    }

    [Theory]
    [MemberData(nameof(Ceremonies))]
    public void Partial_signatures_of_the_deposit_root_recombine_into_the_ceremony_deposit_signature(string ceremony)
    {
        var sidecar = ceremonies[ceremony];
        foreach (var deposit in SsvFixtures.Deposits(ceremony))
        {
            var held = sidecar.Ring.Find(BlsPublicKey.Parse(deposit.Pubkey))!;
            var message = new DepositMessage(held.PublicKey, Bytes32.Parse(deposit.WithdrawalCredentials), deposit.Amount);
            var partials = held.Sign(DepositSigning.SigningRoot(Networks.Mainnet, message).Span);

            // Both ends of the operator list: with x = operator id any t shares give the same signature.
            var expected = BlsSignature.Parse(deposit.Signature);
            Assert.Equal(expected, BlsThreshold.RecoverSignature(partials.Take(held.Threshold).ToArray()));
            Assert.Equal(expected, BlsThreshold.RecoverSignature(partials.TakeLast(held.Threshold).ToArray()));
        }
    }

    [Theory]
    [MemberData(nameof(Ceremonies))]
    public void Exit_shares_for_a_random_index_recombine_into_an_exit_signature_of_the_validator(string ceremony)
    {
        var sidecar = ceremonies[ceremony];
        var held = sidecar.Ring.Validators.First();
        var index = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue);

        var shares = sidecar.Signer.Sign(held.PublicKey, index);
        var subset = shares.OrderBy(_ => RandomNumberGenerator.GetInt32(1000)).Take(held.Threshold).ToArray();
        var signature = BlsThreshold.RecoverSignature(subset);

        Assert.True(ExitSigning.Verify(Networks.Mainnet, held.PublicKey, ExitSigning.Exit(Networks.Mainnet, index), signature));
        Assert.False(ExitSigning.Verify(Networks.Hoodi, held.PublicKey, ExitSigning.Exit(Networks.Hoodi, index), signature));
    }

    [Fact]
    public async Task Loads_the_shares_blob_of_a_ValidatorAdded_event_like_the_keyshares_file()
    {
        const string ceremony = "7_operators_1_validator";
        var ids = SsvFixtures.OperatorIds(ceremony);
        var (publicKey, sharesHex) = KeysharesPayload(ceremony);
        var settings = SidecarSettings.Base("ssv-event", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, ids[2], SsvFixtures.KeyFile(ids[2]), SsvFixtures.PasswordFile(ids[2]), keysharesFile: null);
        settings["Sidecar:Ssv:Operators:0:Validators:0:PublicKey"] = publicKey;
        settings["Sidecar:Ssv:Operators:0:Validators:0:Shares"] = sharesHex;
        for (var i = 0; i < ids.Length; i++) settings[$"Sidecar:Ssv:Operators:0:Validators:0:OperatorIds:{i}"] = ids[i].ToString();

        await using var fromEvent = await LoadedSidecar.LoadAsync(settings);
        var fromFile = ceremonies[ceremony];
        var held = Assert.Single(fromEvent.Ring.Validators);
        Assert.Equal([ids[2]], held.HeldShareIndexes);

        var index = 123_456UL;
        var expected = fromFile.Signer.Sign(held.PublicKey, index).Single(s => s.Id == ids[2]);
        Assert.Equal(expected, Assert.Single(fromEvent.Signer.Sign(held.PublicKey, index)));
    }

    private static (string PublicKey, string Shares) KeysharesPayload(string ceremony)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SsvFixtures.Ceremony(ceremony, "keyshares.json")));
        var payload = doc.RootElement.GetProperty("shares")[0].GetProperty("payload");
        return (payload.GetProperty("publicKey").GetString()!, payload.GetProperty("sharesData").GetString()!);
    }
}

[Trait("Category", "Vectors")]
public sealed class SsvKeyFileTests
{
    [Fact]
    public async Task Decrypts_the_operator_key_whose_password_file_is_not_ascii()
    {
        var settings = SidecarSettings.Base("ssv-113", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 113, SsvFixtures.KeyFile(113), SsvFixtures.PasswordFile(113),
            SsvFixtures.Ceremony("13_operators_1_validator", "keyshares.json"));

        await using var sidecar = await LoadedSidecar.LoadAsync(settings);

        Assert.Equal([113UL], Assert.Single(sidecar.Ring.Validators).HeldShareIndexes);
    }

    public static TheoryData<string, string> InvalidKeyshares => new()
    {
        { "item-with-wrong-operator-id.json", "operator id 'aaa' is not a positive integer" },
        { "item-with-duplicated-operator-key.json", "have the same operatorKey" },
        { "item-with-missed-operator-key.json", "has no operatorKey" },
        { "item-empty.json", "data.publicKey" },
        { "multi-shares-invalid-struct.json", "neither a 'shares' list nor 'data' and 'payload'" },
    };

    [Theory]
    [MemberData(nameof(InvalidKeyshares))]
    public async Task Refuses_an_invalid_keyshares_file_naming_the_file_and_the_reason(string file, string reason)
    {
        var path = SsvFixtures.MockKeyShares(file);
        var settings = SidecarSettings.Base("ssv-bad", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 11, SsvFixtures.KeyFile(11), SsvFixtures.PasswordFile(11), path);

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains(path, error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Contains("SSV operator 11", error.Message);
    }

    [Theory]
    [InlineData("multi-shares.json", 123UL)]
    [InlineData("old-shares.json", 5UL)]
    [InlineData("item-with-operators.json", 5UL)]
    public async Task Refuses_a_valid_keyshares_file_when_the_key_is_not_that_operators_key(string file, ulong operatorId)
    {
        var path = SsvFixtures.MockKeyShares(file);
        var settings = SidecarSettings.Base("ssv-other", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, operatorId, SsvFixtures.KeyFile(11), SsvFixtures.PasswordFile(11), path);

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains($"is not the operator key {path} gives operator {operatorId}", error.Message);
        Assert.Contains("0xa063fa14", error.Message);
    }

    [Fact]
    public async Task Refuses_a_keyshares_file_without_a_validator_of_the_operator()
    {
        var path = SsvFixtures.Ceremony("4_operators_1_validator", "keyshares.json");
        var settings = SidecarSettings.Base("ssv-none", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 110, SsvFixtures.KeyFile(110), SsvFixtures.PasswordFile(110), path);

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains($"{path} holds no validator run by operator 110", error.Message);
    }

    [Fact]
    public async Task Refuses_a_wrong_operator_password_naming_the_key_file()
    {
        var settings = SidecarSettings.Base("ssv-pw", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 113, SsvFixtures.KeyFile(113), SsvFixtures.PasswordFile(11),
            SsvFixtures.Ceremony("13_operators_1_validator", "keyshares.json"));

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains(SsvFixtures.KeyFile(113), error.Message);
        Assert.Contains("wrong password", error.Message);
        Assert.DoesNotContain("12345678", error.Message);
    }

    [Fact]
    public async Task Refuses_a_share_given_twice_through_the_keyshares_file_and_an_event()
    {
        const string ceremony = "4_operators_1_validator";
        var keyshares = SsvFixtures.Ceremony(ceremony, "keyshares.json");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(keyshares));
        var payload = doc.RootElement.GetProperty("shares")[0].GetProperty("payload");
        var settings = SidecarSettings.Base("ssv-twice", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 22, SsvFixtures.KeyFile(22), SsvFixtures.PasswordFile(22), keyshares);
        settings["Sidecar:Ssv:Operators:0:Validators:0:PublicKey"] = payload.GetProperty("publicKey").GetString();
        settings["Sidecar:Ssv:Operators:0:Validators:0:Shares"] = payload.GetProperty("sharesData").GetString();
        var ids = SsvFixtures.OperatorIds(ceremony);
        for (var i = 0; i < ids.Length; i++) settings[$"Sidecar:Ssv:Operators:0:Validators:0:OperatorIds:{i}"] = ids[i].ToString();

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains("share index 22 of validator 0x801bca4e", error.Message);
        Assert.Contains("configured twice", error.Message);
    }
}

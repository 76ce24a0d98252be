using System.Net;
using System.Net.Http.Json;
using DvtBus.Relayer.Tests.Support;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A relayer with the public StakeWise relayer's open behaviour (<c>Api:AllowUnauthenticated</c>).</summary>
public sealed class OpenApiRelayer : RelayerEnvironment
{
    protected override Dictionary<string, string?> ExtraSettings() => new() { ["Api:AllowUnauthenticated"] = "true" };
}

/// <summary>
/// Open mode opens what the public relayer's API has, and nothing of DvtBus's own writes: announcing key shares
/// (which could mark a validator's cluster as conflicting for good) and asking for exits at an index (which could
/// supersede a validator's real exit) still need the token.
/// </summary>
public sealed class OpenApiTests(OpenApiRelayer env) : IClassFixture<OpenApiRelayer>
{
    [Fact]
    public async Task Open_mode_takes_the_public_writes_without_a_token_but_not_key_shares_or_an_exit_index()
    {
        using var anonymous = env.Http(authorised: false);
        var cluster = new TestCluster();
        var key = cluster.PublicKey.ToString();
        var announcement = new
        {
            sidecar_id = "node-1",
            validators = new[]
            {
                new { public_key = key, threshold = cluster.Shares.Count, public_shares = cluster.Shares.Select(s => new { share_index = s.Id, public_key = s.Key.PublicKey.ToString() }) },
            },
        };

        var keyShares = await anonymous.PostAsJsonAsync("/key-shares", announcement);
        Assert.Equal(HttpStatusCode.Unauthorized, keyShares.StatusCode);
        Assert.Contains("also when the public API is open", await keyShares.Content.ReadAsStringAsync());
        var indexed = await anonymous.PostAsJsonAsync("/validators", new { public_keys = new[] { key }, validator_index = 9500 });
        Assert.Equal(HttpStatusCode.Unauthorized, indexed.StatusCode);
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exits WHERE validator_index = 9500"));
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.validators WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() }));

        // The public API's own writes are open: asking after a key, and posting shares (judged on their content).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/validators", new { public_keys = new[] { key } })).StatusCode);
        var share = await anonymous.PostAsJsonAsync("/exit-signature", new { share_index = 1, shares = new[] { new { public_key = key, exit_signature = cluster.Sign(1, 9500).ToString() } } });
        Assert.Equal(HttpStatusCode.UnprocessableContent, share.StatusCode);
        Assert.Contains("UnknownValidator", await share.Content.ReadAsStringAsync());

        // With the token, the announcement is taken.
        using var authorised = env.Http();
        Assert.Equal(HttpStatusCode.OK, (await authorised.PostAsJsonAsync("/key-shares", announcement)).StatusCode);
    }
}

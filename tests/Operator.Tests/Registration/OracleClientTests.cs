using System.Net;
using System.Text;
using DvtBus.Ethereum.Crypto;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>The oracle client against scripted oracles: one bad answer costs only that oracle's approval.</summary>
public sealed class OracleClientTests
{
    private static readonly string Signature = Hex.Encode(DevnetDeployment.Key("oracle-client").Sign(Bytes32.From(new byte[32])).ToBytes());

    private sealed class ScriptedOracles(Func<Uri, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request.RequestUri!));
    }

    private static HttpResponseMessage Json(string body, string mediaType = "application/json") =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    [Fact]
    public async Task A_negative_deadline_or_an_unknown_charset_loses_that_oracles_answer_only()
    {
        var good = $$"""{"signature":"{{Signature}}","ipfs_hash":"bafy","deadline":1900000000}""";
        var handler = new ScriptedOracles(url => url.Host switch
        {
            "good" => Json(good),
            "negative" => Json($$"""{"signature":"{{Signature}}","ipfs_hash":"bafy","deadline":-1}"""),
            "charset" => BadCharset(good),
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError),
        });
        var client = new OracleClient(new HttpClient(handler), [new Uri("http://good/"), new Uri("http://negative/"), new Uri("http://charset/"), new Uri("http://down/")],
            TimeSpan.FromSeconds(10), NullLogger<OracleClient>.Instance);

        var answers = await client.RequestAsync(new ApprovalRequest(0, "0x00", "0x00", [], [], [], [], 1900000000, null), CancellationToken.None);

        var answer = Assert.Single(answers);
        Assert.Equal(("bafy", 1900000000L), (answer.IpfsHash, answer.Deadline));
        Assert.Equal(EthSignature.Parse(Signature), answer.Signature);
    }

    private static HttpResponseMessage BadCharset(string body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=bogus");
        return response;
    }
}

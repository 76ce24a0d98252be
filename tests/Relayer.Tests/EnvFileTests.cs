using DvtBus.Crypto.Consensus;
using DvtBus.Hosting;
using DvtBus.Relayer.Api;
using DvtBus.Sagas;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class EnvFileTests
{
    [Fact]
    public void Every_setting_the_example_env_file_names_is_one_the_relayer_reads() =>
        Assert.Empty(EnvFileSettings.Unknown("relayer.env",
            typeof(ApiOptions).Assembly, typeof(RabbitMqOptions).Assembly, typeof(TimeoutOptions).Assembly, typeof(NetworkOptions).Assembly));
}

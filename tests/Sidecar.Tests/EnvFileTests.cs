using DvtBus.Crypto.Consensus;
using DvtBus.Hosting;
using DvtBus.Sidecar.Worker;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Sidecar.Tests;

public sealed class EnvFileTests
{
    [Fact]
    public void Every_setting_the_example_env_file_names_is_one_the_sidecar_reads() =>
        Assert.Empty(EnvFileSettings.Unknown("sidecar.env", typeof(SidecarOptions).Assembly, typeof(RabbitMqOptions).Assembly, typeof(NetworkOptions).Assembly));
}

using DvtBus.Crypto.Consensus;
using DvtBus.Hosting;
using DvtBus.Sagas;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Operator.Tests;

public sealed class EnvFileTests
{
    [Fact]
    public void Every_setting_the_example_env_file_names_is_one_the_operator_reads() =>
        Assert.Empty(EnvFileSettings.Unknown("operator.env",
            typeof(OperatorOptions).Assembly, typeof(RabbitMqOptions).Assembly, typeof(TimeoutOptions).Assembly, typeof(NetworkOptions).Assembly));
}

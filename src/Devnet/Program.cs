using System.CommandLine;
using DvtBus.Devnet;

var root = new RootCommand("DvtBus devnet tools: dev clusters, dev oracles and the devnet contracts (used by ./dvt demo)")
{
    DevnetCommands.ClusterCommand(),
    DevnetCommands.OracleKeysCommand(),
    DevnetCommands.OraclesCommand(),
    DevnetCommands.ManagerKeyCommand(),
    DevnetCommands.DeployCommand(),
    DevnetCommands.DemoWatchCommand(),
};
return await root.Parse(args).InvokeAsync();

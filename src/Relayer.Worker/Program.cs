using DvtBus.Hosting;
using DvtBus.Relayer;

return await RelayerHost.Build(args).RunDaemonAsync(RelayerHost.Daemon);

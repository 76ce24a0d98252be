using DvtBus.Hosting;
using DvtBus.Sidecar.Worker;
using DvtBus.Sidecar.Worker.Keys;

const string Daemon = "sidecar";
var builder = DaemonHost.CreateBuilder(Daemon, args);
builder.AddSidecarKeys();
builder.AddExitSigning();
builder.AddSidecarTransport(Daemon);

var app = builder.Build();
app.MapOperationalEndpoints();
return await app.RunDaemonAsync(Daemon);

using DvtBus.Hosting;

const string Daemon = "sidecar";
var builder = DaemonHost.CreateBuilder(Daemon, args);
builder.AddDvtBus(Daemon, bus => { });

var app = builder.Build();
app.MapOperationalEndpoints();
return await app.RunDaemonAsync(Daemon);

using DvtBus.Hosting;

const string Daemon = "relayer";
var builder = DaemonHost.CreateBuilder(Daemon, args);
builder.AddDvtPostgres(schema: "relayer", typeof(Program).Assembly);
builder.AddDvtBus(Daemon, bus => { });

var app = builder.Build();
app.MapOperationalEndpoints();
return await app.RunDaemonAsync(Daemon);

using DvtBus.Hosting;

const string Daemon = "operator";
var builder = DaemonHost.CreateBuilder(Daemon, args);
builder.AddDvtPostgres(schema: "operator", typeof(Program).Assembly);
builder.AddDvtBus(Daemon, bus => { });

var app = builder.Build();
app.MapOperationalEndpoints();
return await app.RunDaemonAsync(Daemon);

using DvtBus.Hosting;
using DvtBus.Operator;
using DvtBus.Operator.Status;

const string Daemon = "operator";
var builder = DaemonHost.CreateBuilder(Daemon, args);
builder.AddDvtPostgres(schema: "operator", typeof(OperatorOptions).Assembly);
builder.AddOperator();
builder.AddDvtBus(Daemon, bus => bus.AddOperatorConsumers());

var app = builder.Build();
app.MapOperationalEndpoints();
app.MapBatchStatus();
return await app.RunDaemonAsync(Daemon);

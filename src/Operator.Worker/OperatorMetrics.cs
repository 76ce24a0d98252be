using System.Diagnostics.Metrics;
using DvtBus.Hosting;

namespace DvtBus.Operator;

/// <summary>The operator's one meter; no per-validator or per-file labels.</summary>
public sealed class OperatorMetrics
{
    public OperatorMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DaemonHost.MeterName("operator"));
        FilesAccepted = meter.CreateCounter<long>("dvtbus_operator_files_accepted_total", description: "Deposit-data files accepted into batches");
        FilesRejected = meter.CreateCounter<long>("dvtbus_operator_files_rejected_total", description: "Deposit-data files moved to rejected/");
        BatchesRegistered = meter.CreateCounter<long>("dvtbus_operator_batches_registered_total", description: "Batches whose registration was confirmed");
        BatchesFailed = meter.CreateCounter<long>("dvtbus_operator_batches_failed_total", description: "Batches that ended failed");
    }

    public Counter<long> FilesAccepted { get; }
    public Counter<long> FilesRejected { get; }
    public Counter<long> BatchesRegistered { get; }
    public Counter<long> BatchesFailed { get; }
}

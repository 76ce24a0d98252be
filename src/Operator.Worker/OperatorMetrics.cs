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
        ValidatorsRegistered = meter.CreateCounter<long>("dvtbus_operator_validators_registered_total", description: "Validators of batches whose registration was confirmed");
        RegistrationDuration = meter.CreateHistogram<double>("dvtbus_operator_registration_duration_seconds",
            description: "From the file's batch accepted to the batch registered");
        TransactionsSent = meter.CreateCounter<long>("dvtbus_operator_transactions_sent_total", description: "registerValidators transactions sent (first of their nonce)");
        TransactionsReplaced = meter.CreateCounter<long>("dvtbus_operator_transactions_replaced_total",
            description: "registerValidators transactions replaced with higher fees and the same nonce");
        BatchFailures = meter.CreateCounter<long>("dvtbus_operator_batch_failures_total", description: "Batches that ended failed, by the stage that failed them (label stage)");
    }

    public Counter<long> FilesAccepted { get; }
    public Counter<long> FilesRejected { get; }
    public Counter<long> BatchesRegistered { get; }
    public Counter<long> BatchesFailed { get; }
    public Counter<long> ValidatorsRegistered { get; }
    public Histogram<double> RegistrationDuration { get; }
    public Counter<long> TransactionsSent { get; }
    public Counter<long> TransactionsReplaced { get; }
    public Counter<long> BatchFailures { get; }

    /// <summary>A batch ended: recorded once, by the store that ends it (stage is the failure's prefix, "transaction" in "transaction: reverted").</summary>
    internal void BatchFinished(bool registered, int validators, double secondsSinceAccepted, string? failure)
    {
        if (registered)
        {
            BatchesRegistered.Add(1);
            ValidatorsRegistered.Add(validators);
            RegistrationDuration.Record(secondsSinceAccepted);
            return;
        }
        var colon = failure?.IndexOf(':') ?? -1;
        var stage = colon > 0 ? failure![..colon].Trim() : "unknown";
        BatchesFailed.Add(1);
        BatchFailures.Add(1, new KeyValuePair<string, object?>("stage", stage));
    }
}

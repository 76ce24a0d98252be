using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Primitives;
using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>
/// One batch from accepted file to registered validators: exits requested for the predicted indexes,
/// every validator's oracle shards gathered, oracle approvals collected, the vault transaction sent
/// and confirmed. Index drift sends the batch back to the exits; expired approvals back to the oracles.
/// The side effects live in activities and in the consumers of the commands it publishes.
/// </summary>
public sealed class RegistrationStateMachine : MassTransitStateMachine<RegistrationState>
{
    public RegistrationStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Accepted, x => x.CorrelateById(m => m.Message.BatchId));
        Event(() => SignatureCollected, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => IndexesChanged, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ApprovalsCollected, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ApprovalsExpired, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => TransactionSent, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => Registered, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => RegistrationFailed, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ApprovalsFaulted, x => { x.CorrelateById(m => m.Message.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => SubmissionFaulted, x => { x.CorrelateById(m => m.Message.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });

        Initially(
            When(Accepted)
                .Then(c =>
                {
                    c.Saga.FileName = c.Message.FileName;
                    c.Saga.Validators = c.Message.Validators.Select(v => v.ToString()).ToList();
                    c.Saga.AcceptedAt = DateTime.UtcNow;
                })
                .TransitionTo(ExitsRequested)
                .Activity(x => x.OfInstanceType<RequestExitsActivity>()));

        During(ExitsRequested,
            When(SignatureCollected)
                .Then(c => MarkReady(c.Saga, c.Message))
                .If(c => c.Saga.Ready.Count == c.Saga.Validators.Count, ready => ready
                    .Then(c => c.Saga.ApprovalRounds++)
                    .TransitionTo(ApprovalsRequested)
                    .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                    .Publish(c => new CollectOracleApprovals { BatchId = c.Saga.CorrelationId, StartIndex = c.Saga.StartIndex })),
            Ignore(IndexesChanged),
            Ignore(ApprovalsExpired));

        During(ApprovalsRequested,
            When(ApprovalsCollected)
                .TransitionTo(Registering)
                .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                .Publish(c => new SubmitRegistration { BatchId = c.Saga.CorrelationId, StartIndex = c.Saga.StartIndex }),
            When(ApprovalsFaulted)
                .Then(c => c.Saga.Failure = "oracle approvals: " + FirstReason(c.Message.Exceptions))
                .TransitionTo(Failed)
                .Activity(x => x.OfInstanceType<FinishBatchActivity>())
                .Publish(c => new Contracts.RegistrationFailed { BatchId = c.Saga.CorrelationId, Stage = "approvals", Reason = c.Saga.Failure! }),
            Ignore(SignatureCollected),
            Ignore(ApprovalsExpired));

        During(Registering,
            When(TransactionSent)
                .Then(c => c.Saga.TransactionHash = c.Message.TransactionHash.ToString())
                .Activity(x => x.OfInstanceType<RecordProgressActivity>()),
            When(ApprovalsExpired)
                .Then(c => c.Saga.ApprovalRounds++)
                .TransitionTo(ApprovalsRequested)
                .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                .Publish(c => new CollectOracleApprovals { BatchId = c.Saga.CorrelationId, StartIndex = c.Saga.StartIndex }),
            When(Registered)
                .Then(c =>
                {
                    c.Saga.TransactionHash = c.Message.TransactionHash.ToString();
                    c.Saga.BlockNumber = c.Message.BlockNumber;
                })
                .TransitionTo(Done)
                .Activity(x => x.OfInstanceType<FinishBatchActivity>()),
            When(RegistrationFailed)
                .Then(c => c.Saga.Failure = $"{c.Message.Stage}: {c.Message.Reason}")
                .TransitionTo(Failed)
                .Activity(x => x.OfInstanceType<FinishBatchActivity>()),
            When(SubmissionFaulted)
                .Then(c => c.Saga.Failure = "transaction: " + FirstReason(c.Message.Exceptions))
                .TransitionTo(Failed)
                .Activity(x => x.OfInstanceType<FinishBatchActivity>())
                .Publish(c => new Contracts.RegistrationFailed { BatchId = c.Saga.CorrelationId, Stage = "transaction", Reason = c.Saga.Failure! }),
            Ignore(SignatureCollected),
            Ignore(ApprovalsCollected));

        // Drift is found by the approval and transaction steps; the exits are asked again for the new indexes.
        During(ApprovalsRequested, Registering,
            When(IndexesChanged)
                .TransitionTo(ExitsRequested)
                .Activity(x => x.OfInstanceType<RequestExitsActivity>()));

        DuringAny(Ignore(Accepted));
        During(Done, Failed,
            Ignore(SignatureCollected), Ignore(IndexesChanged), Ignore(ApprovalsCollected), Ignore(ApprovalsExpired),
            Ignore(TransactionSent), Ignore(Registered), Ignore(RegistrationFailed), Ignore(ApprovalsFaulted), Ignore(SubmissionFaulted));
    }

    public State ExitsRequested { get; private set; } = null!;
    public State ApprovalsRequested { get; private set; } = null!;
    public State Registering { get; private set; } = null!;
    public State Done { get; private set; } = null!;
    public State Failed { get; private set; } = null!;

    public Event<DepositFileAccepted> Accepted { get; private set; } = null!;
    public Event<ExitSignatureCollected> SignatureCollected { get; private set; } = null!;
    public Event<ValidatorIndexesChanged> IndexesChanged { get; private set; } = null!;
    public Event<OracleApprovalsCollected> ApprovalsCollected { get; private set; } = null!;
    public Event<OracleApprovalsExpired> ApprovalsExpired { get; private set; } = null!;
    public Event<RegistrationTransactionSent> TransactionSent { get; private set; } = null!;
    public Event<ValidatorsRegistered> Registered { get; private set; } = null!;
    public Event<Contracts.RegistrationFailed> RegistrationFailed { get; private set; } = null!;
    public Event<Fault<CollectOracleApprovals>> ApprovalsFaulted { get; private set; } = null!;
    public Event<Fault<SubmitRegistration>> SubmissionFaulted { get; private set; } = null!;

    /// <summary>Shards for another index (an earlier round's) do not count: the exit signature binds the index.</summary>
    private static void MarkReady(RegistrationState saga, ExitSignatureCollected message)
    {
        var key = message.ValidatorPublicKey.ToString();
        var position = saga.Validators.IndexOf(key);
        if (position < 0 || message.ValidatorIndex != saga.StartIndex + (ulong)position || saga.Ready.Contains(key)) return;
        saga.Ready.Add(key);
    }

    private static string FirstReason(ExceptionInfo[] exceptions) =>
        exceptions.FirstOrDefault()?.Message ?? "failed without a reason";
}

internal sealed class RegistrationStateMachineDefinition : SagaDefinition<RegistrationState>
{
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpoint, ISagaConfigurator<RegistrationState> saga, IRegistrationContext context)
    {
        EndpointDefaults.Apply(endpoint, context);
        // One batch's events are applied one at a time; the repository's version check catches the rest.
        endpoint.UseMessageScope(context);
    }
}

using DvtBus.Contracts;
using DvtBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// One batch from accepted file to registered validators: exits requested for the predicted indexes,
/// every validator's oracle shards gathered, oracle approvals collected, the vault transaction sent
/// and confirmed. Index drift sends the batch back to the exits; expired approvals back to the oracles.
/// Each waiting stage has a durable timeout (<see cref="StageTimeoutActivity"/>): the exits or the
/// approvals are requested again a configured number of rounds, a sent registration without a confirmed
/// receipt is looked up on chain (never sent again), and one never reported sent is asked for again (the
/// submission first looks for what the batch recorded and for its validators on chain); after the last round
/// the batch fails with the reason.
/// The side effects live in activities and in the consumers of the commands it publishes.
/// </summary>
public sealed class RegistrationStateMachine : MassTransitStateMachine<RegistrationState>
{
    public RegistrationStateMachine(IOptions<OperatorOptions> options)
    {
        // Read when an event needs it, not here: the machine is built while the bus is, before the
        // settings are validated, and an invalid section must fail start-up with all its reasons.
        OperatorOptions Settings() => options.Value;
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
        Event(() => SharesTimedOut, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ApprovalsTimedOut, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ReceiptOverdue, x => { x.CorrelateById(m => m.Message.BatchId); x.OnMissingInstance(m => m.Discard()); });

        Initially(
            When(Accepted)
                .Then(c =>
                {
                    c.Saga.FileName = c.Message.FileName;
                    c.Saga.Validators = c.Message.Validators.Select(v => v.ToString()).ToList();
                    c.Saga.StageRound = 1;
                })
                .TransitionTo(ExitsRequested)
                .Activity(x => x.OfInstanceType<RequestExitsActivity>())
                .Activity(x => x.OfInstanceType<StageTimeoutActivity>()));

        During(ExitsRequested,
            When(SignatureCollected)
                .Then(c => MarkReady(c.Saga, c.Message))
                .If(c => c.Saga.Ready.Count == c.Saga.Validators.Count, ready => ready
                    .Then(c => c.Saga.StageRound = 1)
                    .TransitionTo(ApprovalsRequested)
                    .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                    .Activity(x => x.OfInstanceType<RequestApprovalsActivity>())
                    .Activity(x => x.OfInstanceType<StageTimeoutActivity>())),
            When(SharesTimedOut, c => c.Message.TimeoutId == c.Saga.StageTimeoutId)
                .IfElse(c => c.Saga.StageRound < Settings().ShareCollectionRounds,
                    again => again
                        .Then(c => c.Saga.StageRound++)
                        .Activity(x => x.OfInstanceType<RequestExitsActivity>())
                        .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
                    last => last
                        .Then(c => c.Saga.Failure = "shares: " + MissingShares(c.Saga, Settings()))
                        .FailBatch(Failed, "shares")),
            Ignore(IndexesChanged), Ignore(ApprovalsExpired), Ignore(ApprovalsCollected), Ignore(ApprovalsFaulted),
            Ignore(ApprovalsTimedOut), Ignore(ReceiptOverdue));

        During(ApprovalsRequested,
            When(ApprovalsCollected)
                .Then(c => c.Saga.StageRound = 1)
                .TransitionTo(Registering)
                .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                .Publish(c => Submit(c.Saga))
                .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
            When(ApprovalsFaulted, c => c.Message.FaultedMessageId == c.Saga.ApprovalCommandId)
                .Then(c => c.Saga.Failure = "oracle approvals: " + FirstReason(c.Message.Exceptions))
                .FailBatch(Failed, "approvals"),
            When(ApprovalsTimedOut, c => c.Message.TimeoutId == c.Saga.StageTimeoutId)
                .IfElse(c => c.Saga.StageRound < Settings().ApprovalRequestRounds,
                    again => again
                        .Then(c => c.Saga.StageRound++)
                        .Activity(x => x.OfInstanceType<RequestApprovalsActivity>())
                        .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
                    last => last
                        .Then(c => c.Saga.Failure =
                            $"oracle approvals: no answer from the approval step after {c.Saga.StageRound} requests of {Settings().ApprovalRoundTimeout} each")
                        .FailBatch(Failed, "approvals")),
            // Indexes the saga already moved to are old news (a repeat of what sent the batch back, an earlier round's
            // approval request): its exit signatures are for them, and asking again would only delay the approvals.
            When(IndexesChanged, c => c.Message.StartIndex != c.Saga.StartIndex)
                .Then(c => c.Saga.StageRound = 1)
                .TransitionTo(ExitsRequested)
                .Activity(x => x.OfInstanceType<RequestExitsActivity>())
                .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
            Ignore(IndexesChanged, c => c.Message.StartIndex == c.Saga.StartIndex),
            Ignore(SignatureCollected), Ignore(ApprovalsExpired), Ignore(SharesTimedOut), Ignore(ReceiptOverdue));

        // A submission of a round the batch has left (sent back for new approvals or exit signatures) may still be
        // running: its transactions are kept track of, one of them mined registers the batch (the chain wins), and
        // that round's failures no longer apply.
        During(ExitsRequested, ApprovalsRequested,
            When(TransactionSent)
                .Then(c =>
                {
                    var hash = c.Message.TransactionHash.ToString();
                    if (!c.Saga.TransactionHashes.Contains(hash)) c.Saga.TransactionHashes.Add(hash);
                })
                .Activity(x => x.OfInstanceType<RecordProgressActivity>()),
            When(Registered, c => c.Saga.TransactionHashes.Contains(c.Message.TransactionHash.ToString()))
                .FinishRegistered(Done),
            Ignore(Registered, c => !c.Saga.TransactionHashes.Contains(c.Message.TransactionHash.ToString())),
            Ignore(RegistrationFailed), Ignore(SubmissionFaulted));

        During(Registering,
            When(TransactionSent)
                .Then(c =>
                {
                    var hash = c.Message.TransactionHash.ToString();
                    c.Saga.TransactionHash = hash;
                    if (!c.Saga.TransactionHashes.Contains(hash)) c.Saga.TransactionHashes.Add(hash);
                })
                .Activity(x => x.OfInstanceType<RecordProgressActivity>()),
            When(ApprovalsExpired)
                .Then(c =>
                {
                    DropReverted(c.Saga, c.Message.RevertedTransactions);
                    c.Saga.StageRound = 1;
                })
                .TransitionTo(ApprovalsRequested)
                .Activity(x => x.OfInstanceType<RecordProgressActivity>())
                .Activity(x => x.OfInstanceType<RequestApprovalsActivity>())
                .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
            When(Registered)
                .FinishRegistered(Done),
            When(RegistrationFailed)
                .Then(c => c.Saga.Failure = $"{c.Message.Stage}: {c.Message.Reason}")
                .TransitionTo(Failed)
                .Activity(x => x.OfInstanceType<FinishBatchActivity>())
                .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
            // A transaction that reached the node (or may have) can still be mined: the receipt checks decide.
            When(SubmissionFaulted)
                .Activity(x => x.OfType<AdoptSentTransactionsActivity>())
                .IfElse(c => c.Saga.TransactionHashes.Count == 0,
                    unsent => unsent
                        .Then(c => c.Saga.Failure = "transaction: " + FirstReason(c.Message.Exceptions))
                        .FailBatch(Failed, "transaction"),
                    sent => sent.Activity(x => x.OfInstanceType<RecordProgressActivity>())),
            // A sent transaction moves the next index itself once mined: drift then means "look for the
            // receipt", never "start over", which would register the same validators a second time. Unless
            // the drift made it revert: a reverted transaction is done with, and the batch starts over.
            When(IndexesChanged)
                .Then(c => DropReverted(c.Saga, c.Message.RevertedTransactions))
                .IfElse(c => c.Saga.TransactionHashes.Count == 0,
                    unsent => unsent
                        .Then(c => c.Saga.StageRound = 1)
                        .TransitionTo(ExitsRequested)
                        .Activity(x => x.OfInstanceType<RequestExitsActivity>())
                        .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
                    sent => sent.Publish(c => CheckReceipt(c.Saga))),
            // No transaction reported: the submission may have been lost after the saga's state was stored (its
            // send failed, the process died), and the repeated approvals are ignored here, so it is asked for again.
            // It looks for the batch's recorded transactions and its validators on chain before it sends anything.
            When(ReceiptOverdue, c => c.Message.TimeoutId == c.Saga.StageTimeoutId)
                .IfElse(c => c.Saga.StageRound <= Settings().RegisteringChecks,
                    check => check
                        .Then(c => c.Saga.StageRound++)
                        .IfElse(c => c.Saga.TransactionHashes.Count == 0,
                            unsent => unsent.Publish(c => Submit(c.Saga)),
                            sent => sent.Publish(c => CheckReceipt(c.Saga)))
                        .Activity(x => x.OfInstanceType<StageTimeoutActivity>()),
                    last => last
                        .Then(c => c.Saga.Failure = "transaction: " + NoReceipt(c.Saga, Settings()))
                        .FailBatch(Failed, "transaction")),
            Ignore(SignatureCollected), Ignore(ApprovalsCollected), Ignore(ApprovalsFaulted), Ignore(SharesTimedOut), Ignore(ApprovalsTimedOut));

        DuringAny(Ignore(Accepted));
        During(Done, Failed,
            Ignore(SignatureCollected), Ignore(IndexesChanged), Ignore(ApprovalsCollected), Ignore(ApprovalsExpired),
            Ignore(TransactionSent), Ignore(RegistrationFailed), Ignore(ApprovalsFaulted), Ignore(SubmissionFaulted),
            Ignore(SharesTimedOut), Ignore(ApprovalsTimedOut), Ignore(ReceiptOverdue));
        During(Done, Ignore(Registered));
        // A batch failed for want of a receipt while its transaction was still pending: when one of its own
        // transactions is mined after all, the chain wins and the batch is registered.
        During(Failed,
            When(Registered, c => c.Saga.TransactionHashes.Contains(c.Message.TransactionHash.ToString()))
                .Then(c =>
                {
                    c.Saga.TransactionHash = c.Message.TransactionHash.ToString();
                    c.Saga.BlockNumber = c.Message.BlockNumber;
                })
                .TransitionTo(Done)
                .Activity(x => x.OfInstanceType<RecordRegisteredAfterFailureActivity>()),
            Ignore(Registered, c => !c.Saga.TransactionHashes.Contains(c.Message.TransactionHash.ToString())));
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
    public Event<ShareCollectionTimedOut> SharesTimedOut { get; private set; } = null!;
    public Event<ApprovalRoundTimedOut> ApprovalsTimedOut { get; private set; } = null!;
    public Event<RegistrationReceiptOverdue> ReceiptOverdue { get; private set; } = null!;

    /// <summary>The batch's transactions that were mined and reverted are no receipt to wait for any more.</summary>
    private static void DropReverted(RegistrationState saga, IReadOnlyList<Primitives.Bytes32> reverted)
    {
        if (reverted.Count == 0) return;
        var done = reverted.Select(h => h.ToString()).ToHashSet();
        saga.TransactionHashes.RemoveAll(done.Contains);
        saga.TransactionHash = saga.TransactionHashes.Count > 0 ? saga.TransactionHashes[^1] : null;
    }

    /// <summary>Shards for another index (an earlier round's) do not count: the exit signature binds the index.</summary>
    private static void MarkReady(RegistrationState saga, ExitSignatureCollected message)
    {
        var key = message.ValidatorPublicKey.ToString();
        var position = saga.Validators.IndexOf(key);
        if (position < 0 || message.ValidatorIndex != saga.StartIndex + (ulong)position || saga.Ready.Contains(key)) return;
        saga.Ready.Add(key);
    }

    private static string MissingShares(RegistrationState saga, OperatorOptions o)
    {
        var missing = saga.Validators.Select((key, i) => (key, index: saga.StartIndex + (ulong)i)).Where(v => !saga.Ready.Contains(v.key)).ToList();
        return $"no exit signature after {saga.StageRound} requests of {o.ShareCollectionTimeout} each for {missing.Count} of " +
            $"{saga.Validators.Count} validators: {string.Join(", ", missing.Select(v => $"{v.key} (index {v.index})"))}";
    }

    private static string NoReceipt(RegistrationState saga, OperatorOptions o) =>
        saga.TransactionHashes.Count == 0
            ? $"no registration transaction was reported sent within {saga.StageRound} waits of {o.RegisteringTimeout} (the submission is asked " +
              "for again after each but the last); look at the transaction step's log and the validators manager's nonce"
            : $"no confirmed receipt within {saga.StageRound} waits of {o.RegisteringTimeout} for {string.Join(", ", saga.TransactionHashes)}; " +
              "nothing is sent again, look the transactions up on chain";

    /// <summary>The command that sends the batch's transaction, or follows the one the batch already recorded.</summary>
    private static SubmitRegistration Submit(RegistrationState saga) => new() { BatchId = saga.CorrelationId, StartIndex = saga.StartIndex };

    private static CheckRegistrationReceipt CheckReceipt(RegistrationState saga) =>
        new() { BatchId = saga.CorrelationId, TransactionHashes = saga.TransactionHashes.Select(Primitives.Bytes32.Parse).ToList() };

    private static string FirstReason(ExceptionInfo[] exceptions) =>
        exceptions.FirstOrDefault()?.Message ?? "failed without a reason";
}

internal static class RegistrationBinders
{
    /// <summary>Ends the batch Done with the transaction that registered it, and drops its timeout.</summary>
    public static EventActivityBinder<RegistrationState, Contracts.ValidatorsRegistered> FinishRegistered(
        this EventActivityBinder<RegistrationState, Contracts.ValidatorsRegistered> binder, State done) =>
        binder
            .Then(c =>
            {
                c.Saga.TransactionHash = c.Message.TransactionHash.ToString();
                c.Saga.BlockNumber = c.Message.BlockNumber;
            })
            .TransitionTo(done)
            .Activity(x => x.OfInstanceType<FinishBatchActivity>())
            .Activity(x => x.OfInstanceType<StageTimeoutActivity>());

    /// <summary>Ends the batch Failed with <see cref="RegistrationState.Failure"/>, drops its timeout and says so on the bus.</summary>
    public static EventActivityBinder<RegistrationState, T> FailBatch<T>(this EventActivityBinder<RegistrationState, T> binder, State failed, string stage)
        where T : class =>
        binder
            .TransitionTo(failed)
            .Activity(x => x.OfInstanceType<FinishBatchActivity>())
            .Activity(x => x.OfInstanceType<StageTimeoutActivity>())
            .Publish(c => new Contracts.RegistrationFailed { BatchId = c.Saga.CorrelationId, Stage = stage, Reason = c.Saga.Failure! });
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

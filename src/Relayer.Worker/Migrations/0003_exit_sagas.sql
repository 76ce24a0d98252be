-- One MassTransit state machine per exit (DvtBus.Sagas.SagaTable): the instance as JSON, its state repeated
-- in current_state. The saga owns the exit's state; relayer.exits stays the table the HTTP API reads and
-- follows the saga's state in the saga's own transaction.
CREATE TABLE exit_sagas (
    correlation_id uuid        PRIMARY KEY,
    current_state  text        NOT NULL,
    version        integer     NOT NULL,
    data           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The latest request of a key wins. Supersession is an event to the older exit's saga, so for a moment two
-- exits of a key may both look current: the unique index goes, readers take the latest request.
ALTER TABLE exits ADD COLUMN requested_at timestamptz;
UPDATE exits SET requested_at = created_at;
ALTER TABLE exits ALTER COLUMN requested_at SET NOT NULL;
DROP INDEX exits_current_per_key;
CREATE INDEX exits_by_key ON exits (network, public_key, requested_at);

-- Exits recorded before the state machine existed get their saga, so that shares and timeouts still find them.
INSERT INTO exit_sagas (correlation_id, current_state, version, data)
SELECT e.id, initcap(e.state), 1, jsonb_build_object(
    'CorrelationId', e.id,
    'CurrentState', initcap(e.state),
    'Version', 1,
    'Network', e.network,
    'ValidatorPublicKey', '0x' || encode(e.public_key, 'hex'),
    'ValidatorIndex', e.validator_index,
    'Epoch', e.epoch,
    'RequestedAt', to_char(e.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'ExpiresAt', to_char(e.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'Threshold', v.threshold,
    'SharesAccepted', (SELECT count(*) FROM shares s WHERE s.exit_id = e.id),
    'ReadyAt', CASE WHEN e.ready_at IS NULL THEN NULL ELSE to_char(e.ready_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
    'SupersededBy', CASE WHEN e.state = 'superseded' THEN (SELECT c.id FROM exits c
        WHERE c.network = e.network AND c.public_key = e.public_key AND c.state <> 'superseded') END)
FROM exits e LEFT JOIN validators v ON v.network = e.network AND v.public_key = e.public_key AND v.conflict IS NULL;

-- Expiry used to scan exits; now it is each saga's durable timeout. A migrated exit still collecting gets the
-- timeout its saga would have written on entering Collecting (DvtBus.Sagas.DurableTimeouts), due when the exit
-- expires and naming the same end as the saga's ExpiresAt, so that it ends this lifetime (one already past fires
-- at the first sweep).
INSERT INTO timeouts (id, due_at, message_type, body)
SELECT id, expires_at, 'DvtBus.Contracts.ExitLifetimeElapsed', jsonb_build_object(
    'ExitId', id,
    'ExpiresAt', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
FROM exits WHERE state = 'collecting'
ON CONFLICT (id) DO NOTHING;

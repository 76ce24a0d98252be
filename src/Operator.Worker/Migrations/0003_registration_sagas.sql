-- The registration saga of each batch (DvtBus.Sagas.PostgresSagaRepository): the instance as JSON in data,
-- its state repeated in current_state for people and status queries. Each event is applied in one
-- transaction holding the row's lock; version is checked and bumped on every update.
CREATE TABLE registration_sagas (
    correlation_id uuid        PRIMARY KEY,
    current_state  text        NOT NULL,
    version        integer     NOT NULL,
    data           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Durable timeouts (DvtBus.Sagas.DurableTimeouts): a batch's stage timeout is a row here, written in the
-- saga's transaction and published by the timeout sweep once due. At most one per batch (id = batch id).
CREATE TABLE timeouts (
    id           uuid        PRIMARY KEY,
    due_at       timestamptz NOT NULL,
    message_type text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeouts_by_due_at ON timeouts (due_at);

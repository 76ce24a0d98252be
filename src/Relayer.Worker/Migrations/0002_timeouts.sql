-- Durable timeouts (DvtBus.Sagas.DurableTimeouts): an exit's lifetime is a row here, written with the exit.
CREATE TABLE timeouts (
    id           uuid        PRIMARY KEY,
    due_at       timestamptz NOT NULL,
    message_type text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeouts_by_due_at ON timeouts (due_at);

-- Expiry is driven by the timeouts table now, not by scanning exits.
DROP INDEX exits_collecting_by_expiry;

-- The table PostgresRepository expects (see DvtBus.Sagas.SagaTable), for the test saga.
CREATE TABLE tallies (
    correlation_id uuid        PRIMARY KEY,
    current_state  text        NOT NULL,
    version        integer     NOT NULL,
    data           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE timeouts (
    id           uuid        PRIMARY KEY,
    due_at       timestamptz NOT NULL,
    message_type text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

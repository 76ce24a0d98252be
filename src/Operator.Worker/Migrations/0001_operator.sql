-- One row per distinct file content ever seen: the SHA-256 makes a file exactly-once across restarts,
-- and a second copy is refused as a duplicate of the first file named here.
CREATE TABLE deposit_files (
    sha256       bytea       PRIMARY KEY,
    file_name    text        NOT NULL,
    stored_name  text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('received', 'processing', 'done', 'rejected')),
    reasons      text[]      NOT NULL DEFAULT '{}',
    received_at  timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

-- A file's validators split into batches of at most Operator:MaxBatchSize; validators holds the
-- accepted entries as JSON (public data only: keys, credentials, amounts, signatures, roots).
CREATE TABLE batches (
    id              uuid        PRIMARY KEY,
    file_sha256     bytea       NOT NULL REFERENCES deposit_files (sha256),
    position        integer     NOT NULL,
    validators      jsonb       NOT NULL,
    validator_count integer     NOT NULL,
    state           text        NOT NULL,
    start_index     bigint,
    tx_hash         bytea,
    block_number    bigint,
    failure         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (file_sha256, position)
);
CREATE INDEX batches_open ON batches (created_at) WHERE finished_at IS NULL;

-- Every DepositEvent of the network's deposit contract from the configured start block, with whether
-- its deposit signature verifies: only those count towards the next validator index.
CREATE TABLE deposit_events (
    deposit_index bigint  PRIMARY KEY,
    public_key    bytea   NOT NULL,
    valid         boolean NOT NULL,
    block_number  bigint  NOT NULL
);
CREATE INDEX deposit_events_key ON deposit_events (public_key) WHERE valid;

-- Where the DepositEvent scan resumes (one row).
CREATE TABLE deposit_scan (
    id         integer PRIMARY KEY CHECK (id = 1),
    next_block bigint  NOT NULL
);

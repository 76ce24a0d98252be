-- The network's deposits, for the indexes of POST /validators without validator_index (only with Chain:RpcUrl):
-- the same tables as the operator's, read by DvtBus.Deposits.DepositIndex. One row per DepositEvent log.
CREATE TABLE deposit_events (
    deposit_index bigint  PRIMARY KEY,
    public_key    bytea   NOT NULL,
    valid         boolean NOT NULL,
    block_number  bigint  NOT NULL,
    block_hash    bytea
);
CREATE INDEX deposit_events_key ON deposit_events (public_key) WHERE valid;
CREATE INDEX deposit_events_block ON deposit_events (block_number);

-- Where the DepositEvent scan resumes (one row).
CREATE TABLE deposit_scan (
    id         integer PRIMARY KEY CHECK (id = 1),
    next_block bigint  NOT NULL
);

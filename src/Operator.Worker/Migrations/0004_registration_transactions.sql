-- Every registerValidators transaction the operator signed, recorded BEFORE it is broadcast: a repeat
-- of the submission (redelivery, a retry after a crash, a second operator process) finds it here and
-- waits for it or replaces it with the same nonce instead of sending a second registration.
-- attempt 0 is the first transaction of a nonce, 1.. its fee-bumped replacements; a new nonce for the
-- same batch (its old one was taken by a transaction that is not ours) starts a new series after the
-- abandoned rows. raw is the signed transaction (public once broadcast), so it can be sent again as is.
CREATE TABLE registration_transactions (
    tx_hash                  bytea       PRIMARY KEY,
    batch_id                 uuid        NOT NULL REFERENCES batches (id),
    attempt                  integer     NOT NULL,
    sender                   bytea       NOT NULL,
    nonce                    bigint      NOT NULL,
    max_fee_per_gas          numeric     NOT NULL,
    max_priority_fee_per_gas numeric     NOT NULL,
    gas_limit                bigint      NOT NULL,
    raw                      bytea       NOT NULL,
    recorded_at              timestamptz NOT NULL DEFAULT now(),
    abandoned_at             timestamptz,
    UNIQUE (batch_id, attempt)
);
-- A nonce belongs to one batch while that batch is open: the next batch's nonce is chosen above these.
CREATE INDEX registration_transactions_nonce ON registration_transactions (sender, nonce) WHERE abandoned_at IS NULL;

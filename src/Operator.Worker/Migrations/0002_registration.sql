-- The oracle shards of each validator's exit signature, as the relayer sent them (public data: shards
-- are encrypted to each oracle). The index is part of the key: an exit signature binds it.
CREATE TABLE exit_signatures (
    public_key        bytea       NOT NULL,
    validator_index   bigint      NOT NULL,
    oracle_threshold  integer     NOT NULL,
    public_key_shards bytea[]     NOT NULL,
    encrypted_shards  bytea[]     NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (public_key, validator_index)
);

-- The approvals of a batch's latest round: what the vault call needs besides the validators.
CREATE TABLE approvals (
    batch_id      uuid        PRIMARY KEY REFERENCES batches (id),
    start_index   bigint      NOT NULL,
    registry_root bytea       NOT NULL,
    deadline      bigint      NOT NULL,
    ipfs_hash     text        NOT NULL,
    signatures    bytea       NOT NULL,
    collected_at  timestamptz NOT NULL DEFAULT now()
);

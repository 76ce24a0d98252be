-- What each DV cluster announced: the threshold and every public share, at its share index.
-- A second announcement that disagrees sets conflict; such a validator is used for nothing.
CREATE TABLE validators (
    network       text      NOT NULL,
    public_key    bytea     NOT NULL,
    threshold     integer   NOT NULL,
    share_indexes bigint[]  NOT NULL,
    public_shares bytea[]   NOT NULL,
    conflict      text,
    announced_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, public_key)
);

-- One VoluntaryExit per validator and predicted index; id = ExitId.For(network, key, index).
-- A newer index for the same key supersedes the older exit, so at most one is current.
CREATE TABLE exits (
    id               uuid        PRIMARY KEY,
    network          text        NOT NULL,
    public_key       bytea       NOT NULL,
    validator_index  bigint      NOT NULL,
    epoch            bigint      NOT NULL,
    signing_root     bytea       NOT NULL,
    state            text        NOT NULL CHECK (state IN ('collecting', 'ready', 'expired', 'superseded')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    ready_at         timestamptz,
    oracle_threshold integer
);
CREATE UNIQUE INDEX exits_current_per_key ON exits (network, public_key) WHERE state <> 'superseded';
CREATE INDEX exits_collecting_by_expiry ON exits (expires_at) WHERE state = 'collecting';

-- Verified exit-signature shares only: a share is checked against its public share before it lands here.
CREATE TABLE shares (
    exit_id     uuid        NOT NULL REFERENCES exits (id),
    share_index bigint      NOT NULL,
    signature   bytea       NOT NULL,
    sidecar_id  text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exit_id, share_index)
);

-- Shares that arrived before their exit or their cluster's announcement: kept, unverified and never
-- aggregated, until both exist. The signature is part of the key so that a bad share cannot crowd out a good one.
CREATE TABLE pending_shares (
    network         text        NOT NULL,
    public_key      bytea       NOT NULL,
    validator_index bigint      NOT NULL,
    share_index     bigint      NOT NULL,
    signature       bytea       NOT NULL,
    sidecar_id      text        NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, public_key, validator_index, share_index, signature)
);

-- The oracles' re-shared exit signature, computed once per exit: shard k carries x = k + 1.
CREATE TABLE oracle_shards (
    exit_id             uuid    NOT NULL REFERENCES exits (id),
    oracle_index        integer NOT NULL,
    public_key_shard    bytea   NOT NULL,
    encrypted_signature bytea   NOT NULL,
    PRIMARY KEY (exit_id, oracle_index)
);

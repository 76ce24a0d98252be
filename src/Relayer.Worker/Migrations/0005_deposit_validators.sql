-- One row per validator the logged deposits make: its key and its first deposit with a valid signature, whose rank
-- is its index. Each deposit-log pass keeps it with deposit_events (in the same transaction), so that the next index
-- and a key's index are read without grouping every deposit of the network.
CREATE TABLE deposit_validators (
    public_key    bytea  PRIMARY KEY,
    first_deposit bigint NOT NULL UNIQUE,
    block_number  bigint NOT NULL
);
CREATE INDEX deposit_validators_block ON deposit_validators (block_number);
INSERT INTO deposit_validators (public_key, first_deposit, block_number)
SELECT DISTINCT ON (public_key) public_key, deposit_index, block_number
FROM deposit_events WHERE valid ORDER BY public_key, deposit_index;

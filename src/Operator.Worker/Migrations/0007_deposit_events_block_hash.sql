-- block_hash: the block a deposit was logged in. The scan reads the last blocks again on every pass (a reorg can
-- replace them); a deposit seen again in the same block keeps its signature check instead of paying a pairing again.
-- Rows from before this column are checked again when they fall in that window.
ALTER TABLE deposit_events ADD COLUMN block_hash bytea;
-- Each pass deletes and checks the rows of its window by block.
CREATE INDEX deposit_events_block ON deposit_events (block_number);

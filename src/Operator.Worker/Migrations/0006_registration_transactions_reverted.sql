-- reverted_at: the nonce's mined transaction reverted because the batch's approvals had gone stale (another
-- deposit moved the registry root or the next index, or the deadline passed), and the batch went back for new
-- exit signatures or approvals. Set on every attempt of that nonce (none of them can be mined any more), with
-- abandoned_at, so that no later look for the batch's receipt takes that revert for the new transaction's outcome.
ALTER TABLE registration_transactions ADD COLUMN reverted_at timestamptz;

-- The shares of an exit that is ready are no longer needed, and any t of them would make its full exit
-- signature again: only that they came is kept. New ready exits clear theirs as they complete.
UPDATE shares SET signature = ''::bytea WHERE exit_id IN (SELECT id FROM exits WHERE ready_at IS NOT NULL);

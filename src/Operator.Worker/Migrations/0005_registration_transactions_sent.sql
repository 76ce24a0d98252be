-- sent_at: when the node took the transaction, or a broadcast of it got no answer (it may have reached the
-- node). Such a transaction may still be mined, so a batch whose submission fails after one is kept waiting
-- for receipts instead of being failed. A transaction the node refused keeps NULL. Rows from before this
-- column may have been sent: they count as sent.
ALTER TABLE registration_transactions ADD COLUMN sent_at timestamptz;
UPDATE registration_transactions SET sent_at = recorded_at;

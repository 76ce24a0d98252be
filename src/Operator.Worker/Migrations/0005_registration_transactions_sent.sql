-- sent_at: when the transaction was first handed to the node (marked just before the call; taken back when
-- the node refuses it; kept when the call gets no answer, since it may have reached the node). Such a
-- transaction may still be mined, so a batch whose submission gives up after one is kept waiting for
-- receipts instead of being failed. Rows from before this column may have been sent: they count as sent.
ALTER TABLE registration_transactions ADD COLUMN sent_at timestamptz;
UPDATE registration_transactions SET sent_at = recorded_at;

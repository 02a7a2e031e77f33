-- The Telegram update that did something. Telegram delivers an update again when the bot died
-- before confirming it; the same update then finds what it did the first time instead of
-- doing it twice or being answered as if someone else had done it: a quality-check or order
-- decision or an order's cancellation, whose people it then tells; a payment, not recorded
-- again; the drums it set aside for backorders and the watches it closed, whose buyers it
-- then tells.
ALTER TABLE reports ADD COLUMN decision_update_id INTEGER;
ALTER TABLE orders ADD COLUMN decision_update_id INTEGER;
ALTER TABLE orders ADD COLUMN closed_update_id INTEGER;
ALTER TABLE earnings_entries ADD COLUMN update_id INTEGER;
ALTER TABLE stock_movements ADD COLUMN update_id INTEGER;
ALTER TABLE watches ADD COLUMN notified_update_id INTEGER;
CREATE UNIQUE INDEX earnings_entries_by_update
    ON earnings_entries (update_id) WHERE update_id IS NOT NULL;
CREATE INDEX stock_movements_by_update
    ON stock_movements (update_id) WHERE update_id IS NOT NULL;

-- Updates confirmed to Telegram before they were processed. Long polling confirms updates by
-- the offset, which confirms everything below it, and Telegram hands out at most 100 updates
-- from it: when that many wait behind one slow chat, the waiting ones are kept here instead,
-- and the next start processes them first. Marking an update processed removes it.
CREATE TABLE spooled_updates (
    update_id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    spooled_at TEXT NOT NULL
);

CREATE TRIGGER spooled_update_processed AFTER INSERT ON processed_updates
BEGIN
    DELETE FROM spooled_updates WHERE update_id = NEW.update_id;
END;

-- An approved artisan's request to move their workshop to another village. The village is read
-- whenever figures are made (village summaries, charts, statements), so a change moves all of
-- an artisan's figures, past ones too: an admin decides. A pending artisan changes it directly.
-- One open request per artisan. `request_key` is the key of the flow's draft, so a step run
-- again (an update delivered again after a crash) finds the request it made; an update that
-- decided is kept, so that delivered again it tells again whoever it may not have told.
-- Times are ISO 8601 UTC text.
CREATE TABLE village_requests (
    id                 INTEGER PRIMARY KEY,
    member_id          INTEGER NOT NULL REFERENCES members (id),
    from_village       TEXT,
    to_village         TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn')),
    request_key        TEXT NOT NULL UNIQUE,
    requested_at       TEXT NOT NULL,
    -- The admin's Telegram id; the artisan's own for a withdrawal.
    decided_by         INTEGER,
    decided_at         TEXT,
    decision_update_id INTEGER,
    CHECK ((status = 'open') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX village_requests_one_open ON village_requests (member_id)
    WHERE status = 'open';
CREATE INDEX village_requests_by_member ON village_requests (member_id, id);

-- The request cards sent to admins, so every admin's copy can show the decision.
CREATE TABLE village_request_messages (
    request_id INTEGER NOT NULL REFERENCES village_requests (id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (request_id, chat_id, message_id)
);

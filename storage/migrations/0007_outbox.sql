-- The outbox: every message to someone other than the person being served (notices to admins,
-- buyers, artisans and watchers; edits of admins' copies of a card), written here by the
-- update that caused it and sent in the background within Telegram's limits, so that a chat
-- answering 429 holds up nobody else. Each chat's rows go out in id order.
-- An update delivered again after a crash numbers its messages the same way, so
-- (update_id, chat_id, sequence) finds what it queued the first time instead of queueing it
-- twice; sent and failed rows are kept a couple of days for that, then pruned.
-- Times are ISO 8601 UTC text.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    action          TEXT NOT NULL CHECK (action IN
                    ('send_text', 'send_photo', 'send_document', 'edit_text', 'edit_caption')),
    -- The text, or the caption of a photo or document.
    text            TEXT,
    -- NULL: sent as plain text.
    parse_mode      TEXT,
    -- The inline keyboard as Telegram's JSON.
    reply_markup    TEXT,
    photo_file_id   TEXT,
    document        BLOB,
    file_name       TEXT,
    -- The message an edit changes.
    message_id      INTEGER,
    -- The card this message is a copy of ("order:12", "report:5", "member:3"): its message id
    -- is recorded once sent, so that later decisions edit it.
    copy_of         TEXT,
    -- Raised each time a queued copy's content is brought up to date.
    revision        INTEGER NOT NULL DEFAULT 0,
    update_id       INTEGER,
    sequence        INTEGER,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error           TEXT,
    sent_message_id INTEGER,
    queued_at       TEXT NOT NULL,
    done_at         TEXT,
    UNIQUE (update_id, chat_id, sequence),
    CHECK ((status = 'queued') = (done_at IS NULL)),
    CHECK ((update_id IS NULL) = (sequence IS NULL)),
    CHECK (action NOT IN ('edit_text', 'edit_caption') OR message_id IS NOT NULL),
    CHECK (action <> 'send_photo' OR photo_file_id IS NOT NULL),
    CHECK (action <> 'send_document' OR (document IS NOT NULL AND file_name IS NOT NULL)),
    CHECK (action NOT IN ('send_text', 'edit_text') OR text IS NOT NULL)
);
CREATE INDEX outbox_queued ON outbox (chat_id, id) WHERE status = 'queued';
CREATE INDEX outbox_queued_copies ON outbox (copy_of, chat_id)
    WHERE status = 'queued' AND copy_of IS NOT NULL;
CREATE INDEX outbox_done ON outbox (done_at) WHERE status <> 'queued';

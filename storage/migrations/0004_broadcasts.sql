-- Announcements from the admins, and one delivery row per recipient so that a crash or a
-- restart in the middle resumes where it stopped and nobody gets the message twice.
-- Times are ISO 8601 UTC text.

-- AUTOINCREMENT: the id is the reference admins quote (B-000012), never to be reused.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    audience            TEXT NOT NULL
                        CHECK (audience IN ('everyone', 'artisans', 'buyers', 'village', 'pending')),
    village             TEXT,
    -- The language `text` is written in; `other_text` is the version in the other language.
    locale              TEXT NOT NULL CHECK (locale IN ('id', 'en')),
    -- The message as typed, or the photo's caption ('' for a photo without one).
    text                TEXT NOT NULL,
    other_text          TEXT,
    photo_file_id       TEXT,
    status              TEXT NOT NULL
                        CHECK (status IN ('scheduled', 'sending', 'paused', 'done', 'cancelled')),
    send_at             TEXT NOT NULL,
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    -- The message in the sending admin's chat that shows the progress, edited as it goes.
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    -- The bot's idempotency key: a Send tap delivered again after a crash finds this row.
    client_key          TEXT UNIQUE,
    CHECK ((audience = 'village') = (village IS NOT NULL)),
    CHECK (photo_file_id IS NOT NULL OR text <> '')
);
CREATE INDEX broadcasts_due ON broadcasts (send_at) WHERE status = 'scheduled';
CREATE INDEX broadcasts_sending ON broadcasts (id) WHERE status = 'sending';

-- Written for every recipient in the transaction that starts the sending, before the first
-- message leaves; each row is marked as its message is answered.
CREATE TABLE deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    telegram_id  INTEGER NOT NULL REFERENCES telegram_users (telegram_id),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error        TEXT,
    done_at      TEXT,
    PRIMARY KEY (broadcast_id, telegram_id),
    CHECK ((status = 'pending') = (done_at IS NULL))
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries (broadcast_id, telegram_id) WHERE status = 'pending';

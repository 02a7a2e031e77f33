-- Members writing to the cooperative: one conversation (thread) per member, its messages
-- both ways, and the admins' copies of each member message's card.
-- Times are ISO 8601 UTC text.

-- A member's conversation with the cooperative. It is open while a message of the member's
-- is unanswered; the inbox lists threads by their newest message.
CREATE TABLE threads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       INTEGER NOT NULL UNIQUE REFERENCES members (id),
    started_at      TEXT NOT NULL,
    last_message_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_by_last_message ON threads (last_message_id);

-- One message: from the member, or an admin's answer. A member's message is answered by an
-- admin's reply (answer_id) or marked answered without one (answer_id NULL).
CREATE TABLE thread_messages (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id          INTEGER NOT NULL REFERENCES threads (id),
    from_member        INTEGER NOT NULL CHECK (from_member IN (0, 1)),
    -- The Telegram user id of who wrote it.
    author             INTEGER NOT NULL,
    text               TEXT,
    photo_file_id      TEXT,
    sent_at            TEXT NOT NULL,
    -- The Telegram update that brought it: delivered again after a crash, it finds this row
    -- instead of storing the message twice.
    update_id          INTEGER UNIQUE,
    answered_at        TEXT,
    answered_by        INTEGER,
    answer_id          INTEGER REFERENCES thread_messages (id),
    -- The update that answered it, to find again what that update answered.
    answered_update_id INTEGER,
    CHECK (text IS NOT NULL OR photo_file_id IS NOT NULL),
    CHECK ((answered_at IS NULL) = (answered_by IS NULL)),
    CHECK (from_member = 1 OR answered_at IS NULL)
);
CREATE INDEX thread_messages_by_thread ON thread_messages (thread_id, id);
CREATE INDEX thread_messages_waiting ON thread_messages (thread_id)
    WHERE from_member = 1 AND answered_at IS NULL;
CREATE INDEX thread_messages_by_answering_update ON thread_messages (answered_update_id)
    WHERE answered_update_id IS NOT NULL;

-- Every admin's copy of a member message's card, to show on each once it is answered.
CREATE TABLE thread_message_copies (
    thread_message_id INTEGER NOT NULL REFERENCES thread_messages (id),
    chat_id           INTEGER NOT NULL,
    message_id        INTEGER NOT NULL,
    PRIMARY KEY (thread_message_id, chat_id, message_id)
);

-- Everyone who has talked to the bot, with the language they chose.
CREATE TABLE telegram_users (
    telegram_id   INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL DEFAULT '',
    username      TEXT,
    language_code TEXT,
    chosen_locale TEXT CHECK (chosen_locale IN ('id', 'en')),
    blocked_at    TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);

-- Registered artisans and buyers of the cooperative.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE REFERENCES telegram_users (telegram_id),
    role        TEXT NOT NULL CHECK (role IN ('artisan', 'buyer')),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'deactivated')),
    name        TEXT NOT NULL,
    village     TEXT,
    workshop    TEXT,
    phone       TEXT,
    company     TEXT,
    country     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX members_by_role_status ON members (role, status, name);

-- Every change of a member's status, by whom: the history behind approvals and undo.
CREATE TABLE member_status_changes (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    changed_by  INTEGER,
    changed_at  TEXT NOT NULL
);
CREATE INDEX member_status_changes_by_member ON member_status_changes (member_id, id);

-- The approval requests sent to admins, so every admin's copy can show the decision.
CREATE TABLE approval_messages (
    member_id  INTEGER NOT NULL REFERENCES members (id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (member_id, chat_id, message_id)
);

-- Conversation states and per-user drafts (python-telegram-bot persistence).
CREATE TABLE conversation_states (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE TABLE user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);

-- Updates whose effects are committed: a redelivered update is recognised and skipped.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL
);

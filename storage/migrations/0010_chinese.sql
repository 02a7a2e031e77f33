-- Simplified Chinese joins Indonesian and English: a person may choose it, and an
-- announcement may be written in it and carry a version in each of the three languages.

-- SQLite cannot change a CHECK in place, but a column's own CHECK leaves with the column: each
-- such column is replaced by one with the wider check, filled from the old, under the old name.
-- (Rebuilding the tables instead would need foreign keys off, which a migration's transaction
-- cannot do.)
ALTER TABLE telegram_users
    ADD COLUMN chosen_language TEXT CHECK (chosen_language IN ('id', 'en', 'zh'));
UPDATE telegram_users SET chosen_language = chosen_locale;
ALTER TABLE telegram_users DROP COLUMN chosen_locale;
ALTER TABLE telegram_users RENAME COLUMN chosen_language TO chosen_locale;

ALTER TABLE broadcasts
    ADD COLUMN written_locale TEXT NOT NULL DEFAULT 'id'
    CHECK (written_locale IN ('id', 'en', 'zh'));
UPDATE broadcasts SET written_locale = locale;
ALTER TABLE broadcasts DROP COLUMN locale;
ALTER TABLE broadcasts RENAME COLUMN written_locale TO locale;

-- The versions of an announcement besides the one it was written in (`broadcasts.text`), at
-- most one per language.
CREATE TABLE broadcast_versions (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    locale       TEXT NOT NULL CHECK (locale IN ('id', 'en', 'zh')),
    text         TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, locale)
) WITHOUT ROWID;
INSERT INTO broadcast_versions (broadcast_id, locale, text)
    SELECT id, CASE locale WHEN 'id' THEN 'en' ELSE 'id' END, other_text
    FROM broadcasts WHERE other_text IS NOT NULL;
ALTER TABLE broadcasts DROP COLUMN other_text;

-- Production: the catalogue, artisans' reports of finished drums, the admins' quality
-- decisions, and the two append-only ledgers they feed (stock and artisans' earnings).
-- Money is whole Rupiah (INTEGER); times are ISO 8601 UTC text like members.created_at.

-- The catalogue: one row per kind of drum the cooperative buys from artisans and sells.
-- The code is built from the attributes (storage.catalogue.model_code).
CREATE TABLE drum_models (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    size          TEXT NOT NULL CHECK (size IN ('small', 'medium', 'large')),
    wood          TEXT NOT NULL CHECK (wood IN ('mahogany', 'jackfruit', 'mango')),
    head          TEXT NOT NULL CHECK (head IN ('goat', 'cow')),
    finish        TEXT NOT NULL CHECK (finish IN ('plain', 'painted', 'carved')),
    artisan_rate  INTEGER NOT NULL CHECK (artisan_rate > 0),
    buyer_price   INTEGER NOT NULL CHECK (buyer_price > 0),
    photo_file_id TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (size, wood, head, finish),
    -- Paying an artisan more than a buyer pays is a typo (an extra zero), not a price.
    CHECK (artisan_rate < buyer_price)
);

-- Every price a model has had, from the moment it was set: the first row is its price when
-- added. Reports keep the rate they were accepted at, so this is for people, not sums.
CREATE TABLE model_price_changes (
    id           INTEGER PRIMARY KEY,
    model_id     INTEGER NOT NULL REFERENCES drum_models (id),
    artisan_rate INTEGER NOT NULL CHECK (artisan_rate > 0),
    buyer_price  INTEGER NOT NULL CHECK (buyer_price > 0),
    changed_by   INTEGER,
    changed_at   TEXT NOT NULL
);
CREATE INDEX model_price_changes_by_model ON model_price_changes (model_id, id);

-- Every retirement and restoration of a model, by whom.
CREATE TABLE model_status_changes (
    id         INTEGER PRIMARY KEY,
    model_id   INTEGER NOT NULL REFERENCES drum_models (id),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    changed_by INTEGER,
    changed_at TEXT NOT NULL
);
CREATE INDEX model_status_changes_by_model ON model_status_changes (model_id, id);

-- The default catalogue, from DOMAIN.md: mahogany with goatskin in every size and finish,
-- mango (cheapest) in small, jackfruit (best sound, dearest) in medium and large, cowhide
-- for large. Artisans get about 55-60% of the buyer price.
INSERT INTO drum_models
    (code, size, wood, head, finish, artisan_rate, buyer_price, created_at, updated_at)
SELECT column1, column2, column3, column4, column5, column6, column7,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM (VALUES
    ('DJ-S-MAH-GOAT-PLAIN', 'small',  'mahogany',  'goat', 'plain',   120000, 200000),
    ('DJ-S-MAH-GOAT-PAINT', 'small',  'mahogany',  'goat', 'painted', 150000, 250000),
    ('DJ-S-MAH-GOAT-CARVE', 'small',  'mahogany',  'goat', 'carved',  180000, 300000),
    ('DJ-S-MGO-GOAT-PLAIN', 'small',  'mango',     'goat', 'plain',    85000, 150000),
    ('DJ-S-MGO-GOAT-PAINT', 'small',  'mango',     'goat', 'painted', 110000, 190000),
    ('DJ-M-MAH-GOAT-PLAIN', 'medium', 'mahogany',  'goat', 'plain',   195000, 325000),
    ('DJ-M-MAH-GOAT-PAINT', 'medium', 'mahogany',  'goat', 'painted', 225000, 375000),
    ('DJ-M-MAH-GOAT-CARVE', 'medium', 'mahogany',  'goat', 'carved',  270000, 450000),
    ('DJ-M-NGK-GOAT-PLAIN', 'medium', 'jackfruit', 'goat', 'plain',   255000, 425000),
    ('DJ-M-NGK-GOAT-CARVE', 'medium', 'jackfruit', 'goat', 'carved',  330000, 550000),
    ('DJ-L-MAH-GOAT-PLAIN', 'large',  'mahogany',  'goat', 'plain',   300000, 500000),
    ('DJ-L-MAH-GOAT-PAINT', 'large',  'mahogany',  'goat', 'painted', 345000, 575000),
    ('DJ-L-MAH-GOAT-CARVE', 'large',  'mahogany',  'goat', 'carved',  390000, 650000),
    ('DJ-L-MAH-COW-PLAIN',  'large',  'mahogany',  'cow',  'plain',   330000, 550000),
    ('DJ-L-NGK-GOAT-PLAIN', 'large',  'jackfruit', 'goat', 'plain',   390000, 650000),
    ('DJ-L-NGK-GOAT-CARVE', 'large',  'jackfruit', 'goat', 'carved',  480000, 800000)
);
INSERT INTO model_price_changes (model_id, artisan_rate, buyer_price, changed_by, changed_at)
SELECT id, artisan_rate, buyer_price, NULL, created_at FROM drum_models ORDER BY id;

-- Drums an artisan reports as finished, and the admins' quality decision on them.
-- AUTOINCREMENT: the id is the reference people quote (R-000123), never to be reused.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    artisan_id        INTEGER NOT NULL REFERENCES members (id),
    model_id          INTEGER NOT NULL REFERENCES drum_models (id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    photo_file_id     TEXT,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
    accepted_quantity INTEGER CHECK (accepted_quantity BETWEEN 0 AND quantity),
    reject_reason     TEXT,
    -- The model's artisan_rate at acceptance: later price changes do not touch it.
    rate              INTEGER CHECK (rate > 0),
    -- The bot's idempotency key: a redelivered "send" finds the report it already made.
    client_key        TEXT UNIQUE,
    reported_at       TEXT NOT NULL,
    decided_at        TEXT,
    decided_by        INTEGER,
    CHECK (CASE status
        WHEN 'pending' THEN accepted_quantity IS NULL AND rate IS NULL
            AND reject_reason IS NULL AND decided_at IS NULL AND decided_by IS NULL
        WHEN 'cancelled' THEN accepted_quantity IS NULL AND rate IS NULL
            AND reject_reason IS NULL AND decided_at IS NOT NULL
        WHEN 'rejected' THEN accepted_quantity = 0 AND rate IS NULL
            AND reject_reason IS NOT NULL AND decided_at IS NOT NULL
        WHEN 'accepted' THEN accepted_quantity > 0 AND rate IS NOT NULL AND decided_at IS NOT NULL
            AND (reject_reason IS NULL OR accepted_quantity < quantity)
    END)
);
-- "My production": an index-only range scan per artisan and period; model_id serves
-- Catalogue.recent_for_artisan.
CREATE INDEX reports_by_artisan
    ON reports (artisan_id, reported_at, status, quantity, accepted_quantity, model_id);
-- The review queue: only the few pending reports are in this index, oldest (lowest id) first.
CREATE INDEX reports_pending ON reports (id) WHERE status = 'pending';

-- The copies of a report sent to admins, so every copy can show the decision.
CREATE TABLE report_messages (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (report_id, chat_id, message_id)
);

-- The stock ledger, append-only. Deltas by kind: accepted drums come on hand; an order
-- reserves and releases; shipping takes drums off hand (and off reserved); a correction
-- fixes a count and must say why. order_id will reference the orders table once it exists.
CREATE TABLE stock_movements (
    id             INTEGER PRIMARY KEY,
    model_id       INTEGER NOT NULL REFERENCES drum_models (id),
    kind           TEXT NOT NULL
                   CHECK (kind IN ('accepted', 'reserved', 'released', 'shipped', 'correction')),
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    report_id      INTEGER REFERENCES reports (id),
    order_id       INTEGER,
    reason         TEXT,
    created_by     INTEGER,
    created_at     TEXT NOT NULL,
    CHECK (CASE kind
        WHEN 'accepted' THEN on_hand_delta > 0 AND reserved_delta = 0 AND report_id IS NOT NULL
        WHEN 'reserved' THEN on_hand_delta = 0 AND reserved_delta > 0
        WHEN 'released' THEN on_hand_delta = 0 AND reserved_delta < 0
        WHEN 'shipped' THEN on_hand_delta < 0 AND reserved_delta <= 0
        WHEN 'correction' THEN on_hand_delta != 0 AND reserved_delta = 0 AND reason IS NOT NULL
    END)
);
CREATE INDEX stock_movements_by_model ON stock_movements (model_id, id);
-- An accepted report comes into stock once, whatever the code above does.
CREATE UNIQUE INDEX stock_movements_accepted_once
    ON stock_movements (report_id) WHERE kind = 'accepted';

-- Stock per model, kept by the trigger below in the same statement as each movement, so
-- it always equals the sums of the ledger and can never go negative.
CREATE TABLE stock_balances (
    model_id INTEGER PRIMARY KEY REFERENCES drum_models (id),
    on_hand  INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    CHECK (reserved <= on_hand)
);

-- Not an upsert: SQLite checks the proposed row's CHECKs before ON CONFLICT, which would
-- refuse a negative delta even when the existing balance covers it.
CREATE TRIGGER stock_movements_keep_balance AFTER INSERT ON stock_movements
BEGIN
    INSERT OR IGNORE INTO stock_balances (model_id) VALUES (NEW.model_id);
    UPDATE stock_balances
    SET on_hand = on_hand + NEW.on_hand_delta, reserved = reserved + NEW.reserved_delta
    WHERE model_id = NEW.model_id;
END;
CREATE TRIGGER stock_movements_append_only_update BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE (ABORT, 'stock_movements is append-only: add a correction');
END;
CREATE TRIGGER stock_movements_append_only_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE (ABORT, 'stock_movements is append-only: add a correction');
END;

-- Artisans' earnings ledger, append-only, signed Rupiah: credits (accepted drums) and
-- corrections add to what was earned, payments (negative) to what was paid.
CREATE TABLE earnings_entries (
    id         INTEGER PRIMARY KEY,
    artisan_id INTEGER NOT NULL REFERENCES members (id),
    kind       TEXT NOT NULL CHECK (kind IN ('credit', 'payment', 'correction')),
    amount     INTEGER NOT NULL,
    report_id  INTEGER REFERENCES reports (id),
    note       TEXT,
    paid_on    TEXT,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    -- A payment recorded by mistake is undone by a positive payment entry that names it.
    reverses   INTEGER REFERENCES earnings_entries (id),
    CHECK (CASE kind
        WHEN 'credit' THEN amount > 0 AND report_id IS NOT NULL AND paid_on IS NULL
            AND reverses IS NULL
        WHEN 'payment' THEN report_id IS NULL AND paid_on IS NOT NULL
            AND ((amount < 0 AND reverses IS NULL) OR (amount > 0 AND reverses IS NOT NULL))
        WHEN 'correction' THEN amount != 0 AND note IS NOT NULL AND paid_on IS NULL
            AND reverses IS NULL
    END)
);
-- Period sums per artisan read only this index.
CREATE INDEX earnings_entries_by_artisan
    ON earnings_entries (artisan_id, created_at, kind, amount);
-- An accepted report is credited once, whatever the code above does.
CREATE UNIQUE INDEX earnings_entries_credited_once
    ON earnings_entries (report_id) WHERE kind = 'credit';
-- A payment is reversed at most once.
CREATE UNIQUE INDEX earnings_entries_reversed_once
    ON earnings_entries (reverses) WHERE reverses IS NOT NULL;

-- Per artisan: earned (credits and corrections) and paid; owed = earned - paid = SUM(amount).
-- The cooperative does not pay ahead, so paid never exceeds earned.
CREATE TABLE artisan_balances (
    artisan_id INTEGER PRIMARY KEY REFERENCES members (id),
    earned     INTEGER NOT NULL DEFAULT 0,
    paid       INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
    CHECK (paid <= earned)
);

CREATE TRIGGER earnings_entries_keep_balance AFTER INSERT ON earnings_entries
BEGIN
    INSERT OR IGNORE INTO artisan_balances (artisan_id) VALUES (NEW.artisan_id);
    UPDATE artisan_balances
    SET earned = earned + CASE WHEN NEW.kind = 'payment' THEN 0 ELSE NEW.amount END,
        paid = paid + CASE WHEN NEW.kind = 'payment' THEN -NEW.amount ELSE 0 END
    WHERE artisan_id = NEW.artisan_id;
END;
CREATE TRIGGER earnings_entries_append_only_update BEFORE UPDATE ON earnings_entries
BEGIN
    SELECT RAISE (ABORT, 'earnings_entries is append-only: add a correction');
END;
CREATE TRIGGER earnings_entries_append_only_delete BEFORE DELETE ON earnings_entries
BEGIN
    SELECT RAISE (ABORT, 'earnings_entries is append-only: add a correction');
END;

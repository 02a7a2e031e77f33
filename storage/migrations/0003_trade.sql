-- Buyers' trade: exchange rates for showing prices, orders that reserve stock (or wait for it
-- as backorders), container shipments, and models buyers watch.
-- Money is whole Rupiah; times are ISO 8601 UTC text; dates are ISO dates.

-- Rupiah per unit of a foreign currency, set by an admin, only to show buyers their prices.
CREATE TABLE exchange_rates (
    currency        TEXT PRIMARY KEY CHECK (currency IN ('USD', 'CNY')),
    rupiah_per_unit INTEGER NOT NULL CHECK (rupiah_per_unit > 0),
    set_by          INTEGER,
    set_at          TEXT NOT NULL
);

-- A container shipment for one buyer (about 3,500 drums to China). Orders are put into it
-- while it is open; shipping it takes their ready drums out of stock.
-- AUTOINCREMENT: the id is the reference people quote (C-000007), never to be reused.
CREATE TABLE containers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id    INTEGER NOT NULL REFERENCES members (id),
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    destination TEXT NOT NULL,
    target_date TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'shipped', 'cancelled')),
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   INTEGER,
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX containers_by_buyer ON containers (buyer_id, id);

-- A buyer's order of one model. `confirmed` is how many drums the admins agreed to deliver;
-- of those, `reserved` are set aside in stock (the stock ledger's reservations for this order
-- add up to it) and `shipped` have left in a container; the rest is a backorder, production
-- demand filled oldest order first as accepted drums arrive.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id     INTEGER NOT NULL REFERENCES members (id),
    model_id     INTEGER NOT NULL REFERENCES drum_models (id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    -- The model's buyer price when ordered: later price changes do not touch the order.
    unit_price   INTEGER NOT NULL CHECK (unit_price > 0),
    note         TEXT,
    status       TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'confirmed',
                 'backordered', 'in_container', 'shipped', 'declined', 'cancelled')),
    confirmed    INTEGER CHECK (confirmed BETWEEN 1 AND quantity),
    reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    shipped      INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    container_id INTEGER REFERENCES containers (id),
    -- The bot's idempotency key: a redelivered "send" finds the order it already made.
    client_key   TEXT UNIQUE,
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER,
    closed_at    TEXT,
    closed_by    INTEGER,
    updated_at   TEXT NOT NULL,
    CHECK (reserved + shipped <= COALESCE(confirmed, 0)),
    CHECK (CASE status
        WHEN 'requested' THEN confirmed IS NULL AND decided_at IS NULL AND container_id IS NULL
        WHEN 'declined' THEN confirmed IS NULL AND decided_at IS NOT NULL AND container_id IS NULL
        WHEN 'confirmed' THEN reserved + shipped = confirmed AND container_id IS NULL
        WHEN 'backordered' THEN reserved + shipped < confirmed AND container_id IS NULL
        WHEN 'in_container' THEN confirmed IS NOT NULL AND container_id IS NOT NULL
        WHEN 'shipped' THEN reserved = 0 AND shipped = confirmed AND container_id IS NOT NULL
        WHEN 'cancelled' THEN reserved = 0 AND container_id IS NULL AND closed_at IS NOT NULL
    END)
);
CREATE INDEX orders_by_buyer ON orders (buyer_id, id);
CREATE INDEX orders_by_container ON orders (container_id) WHERE container_id IS NOT NULL;
CREATE INDEX orders_requested ON orders (id) WHERE status = 'requested';
-- Backorders waiting for drums, per model, oldest first.
CREATE INDEX orders_backordered ON orders (model_id, id)
    WHERE status IN ('backordered', 'in_container') AND reserved + shipped < confirmed;

-- What left in which container: one row per order shipped in it.
CREATE TABLE shipments (
    container_id INTEGER NOT NULL REFERENCES containers (id),
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    model_id     INTEGER NOT NULL REFERENCES drum_models (id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    shipped_at   TEXT NOT NULL,
    PRIMARY KEY (container_id, order_id)
);

-- The copies of an order request sent to admins, so every copy can show the decision.
CREATE TABLE order_messages (
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (order_id, chat_id, message_id)
);

-- A buyer waiting for a model's available stock to reach a quantity; told once.
CREATE TABLE watches (
    id          INTEGER PRIMARY KEY,
    buyer_id    INTEGER NOT NULL REFERENCES members (id),
    model_id    INTEGER NOT NULL REFERENCES drum_models (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    created_at  TEXT NOT NULL,
    notified_at TEXT,
    stopped_at  TEXT
);
CREATE UNIQUE INDEX watches_one_open ON watches (buyer_id, model_id)
    WHERE notified_at IS NULL AND stopped_at IS NULL;
CREATE INDEX watches_open_by_model ON watches (model_id, quantity)
    WHERE notified_at IS NULL AND stopped_at IS NULL;

-- The buyers' catalogue card: the newest accepted photo of a model, and where it is made.
CREATE INDEX reports_accepted_photos ON reports (model_id, id)
    WHERE status = 'accepted' AND photo_file_id IS NOT NULL;
CREATE INDEX reports_accepted_by_model ON reports (model_id, artisan_id) WHERE status = 'accepted';
-- A container's estimated ready date: drums accepted per model in the last weeks.
CREATE INDEX stock_movements_accepted_by_time
    ON stock_movements (model_id, created_at, on_hand_delta) WHERE kind = 'accepted';

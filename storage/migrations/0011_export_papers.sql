-- Export papers (proforma invoice, commercial invoice, packing list) from the bot's records,
-- and containers planned by volume.

-- Each model's outer size, weights, HS code and packing. The defaults are a medium drum's;
-- small and large ones are set below. Loose drums are packed one per package; otherwise
-- `per_carton` drums go in a carton of the given size. The ranges are wide sanity bounds;
-- the bot refuses values outside narrower ones before they get here.
ALTER TABLE drum_models ADD COLUMN diameter_cm INTEGER NOT NULL DEFAULT 26
    CHECK (diameter_cm BETWEEN 1 AND 500);
ALTER TABLE drum_models ADD COLUMN height_cm INTEGER NOT NULL DEFAULT 50
    CHECK (height_cm BETWEEN 1 AND 500);
ALTER TABLE drum_models ADD COLUMN net_weight_g INTEGER NOT NULL DEFAULT 4500
    CHECK (net_weight_g BETWEEN 1 AND 500000);
ALTER TABLE drum_models ADD COLUMN gross_weight_g INTEGER NOT NULL DEFAULT 5200
    CHECK (gross_weight_g BETWEEN 1 AND 500000);
ALTER TABLE drum_models ADD COLUMN hs_code TEXT NOT NULL DEFAULT '9206.00'
    CHECK (hs_code GLOB '[0-9][0-9][0-9][0-9]*' AND length(hs_code) <= 12);
ALTER TABLE drum_models ADD COLUMN per_carton INTEGER CHECK (per_carton BETWEEN 1 AND 1000);
ALTER TABLE drum_models ADD COLUMN carton_length_cm INTEGER
    CHECK (carton_length_cm BETWEEN 1 AND 1000);
ALTER TABLE drum_models ADD COLUMN carton_width_cm INTEGER
    CHECK (carton_width_cm BETWEEN 1 AND 1000);
ALTER TABLE drum_models ADD COLUMN carton_height_cm INTEGER
    CHECK (carton_height_cm BETWEEN 1 AND 1000);
UPDATE drum_models SET diameter_cm = 20, height_cm = 40, net_weight_g = 2500,
    gross_weight_g = 3000 WHERE size = 'small';
UPDATE drum_models SET diameter_cm = 32, height_cm = 60, net_weight_g = 7500,
    gross_weight_g = 8500 WHERE size = 'large';

-- The container's type (20' GP, 40' GP, 40' HC); existing ones are the usual 40' high cube.
-- What the admin types at shipping goes on the commercial invoice and the packing list.
ALTER TABLE containers ADD COLUMN kind TEXT NOT NULL DEFAULT '40hc'
    CHECK (kind IN ('20gp', '40gp', '40hc'));
ALTER TABLE containers ADD COLUMN container_number TEXT;
ALTER TABLE containers ADD COLUMN seal_number TEXT;
ALTER TABLE containers ADD COLUMN vessel TEXT;
ALTER TABLE containers ADD COLUMN voyage TEXT;
ALTER TABLE containers ADD COLUMN port_of_loading TEXT;
ALTER TABLE containers ADD COLUMN port_of_discharge TEXT;
ALTER TABLE containers ADD COLUMN shipping_marks TEXT;

-- A buyer's address for the papers, and the currency they are invoiced in (none chosen: yuan
-- for China, dollars for everyone else).
ALTER TABLE members ADD COLUMN address TEXT;
ALTER TABLE members ADD COLUMN currency TEXT CHECK (currency IN ('USD', 'CNY', 'IDR'));

-- Every paper issued, as issued: the PDF sent and what it says (JSON), never changed after.
-- Numbers run per kind and year without gaps: a number exists only once its row is committed,
-- so a crash while issuing leaves it for the next paper. A proforma issued again for a changed
-- order keeps its number with the next revision (PI-2026-0001-R1); the older one stays.
CREATE TABLE papers (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('proforma', 'commercial', 'packing')),
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    sequence     INTEGER NOT NULL CHECK (sequence > 0),
    revision     INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
    order_id     INTEGER REFERENCES orders (id),
    container_id INTEGER REFERENCES containers (id),
    buyer_id     INTEGER NOT NULL REFERENCES members (id),
    currency     TEXT NOT NULL CHECK (currency IN ('USD', 'CNY', 'IDR')),
    content      TEXT NOT NULL,
    -- What the paper says apart from its number and dates: the same key, the same paper.
    content_key  TEXT NOT NULL,
    pdf          BLOB NOT NULL,
    issued_at    TEXT NOT NULL,
    issued_by    INTEGER,
    UNIQUE (kind, year, sequence, revision),
    CHECK ((kind = 'proforma') = (order_id IS NOT NULL)),
    CHECK ((kind = 'proforma') = (container_id IS NULL))
);
CREATE INDEX papers_by_order ON papers (order_id, id) WHERE order_id IS NOT NULL;
-- A container has one commercial invoice and one packing list.
CREATE UNIQUE INDEX papers_by_container ON papers (container_id, kind)
    WHERE container_id IS NOT NULL;

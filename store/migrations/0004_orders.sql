-- Orders, their lines and the subscriptions they create (SPEC §11). A
-- customer's deletion removes them all (ON DELETE CASCADE).
CREATE TABLE orders (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    billing_cycle TEXT NOT NULL,
    etag          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, seq);

CREATE TABLE order_lines (
    order_id        TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_number     INTEGER NOT NULL,
    offer_id        TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    friendly_name   TEXT NOT NULL DEFAULT '',
    partner_id      TEXT NOT NULL DEFAULT '',
    term_duration   TEXT NOT NULL DEFAULT '',
    subscription_id TEXT NOT NULL,
    PRIMARY KEY (order_id, line_number)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    account_id     TEXT NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    order_id       TEXT NOT NULL DEFAULT '',
    offer_id       TEXT NOT NULL,
    offer_name     TEXT NOT NULL,
    friendly_name  TEXT NOT NULL,
    quantity       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    auto_renew     INTEGER NOT NULL,
    billing_cycle  TEXT NOT NULL,
    term_duration  TEXT NOT NULL DEFAULT '',
    is_trial       INTEGER NOT NULL,
    nce            INTEGER NOT NULL,
    partner_id     TEXT NOT NULL DEFAULT '',
    etag           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    commitment_end INTEGER NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, status);

-- Carts (the NCE flow); their lines are kept as JSON.
CREATE TABLE carts (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('Active', 'Ordered')),
    line_items  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE snap_orders        AS SELECT '' AS snapshot, * FROM orders        WHERE 0;
CREATE TABLE snap_order_lines   AS SELECT '' AS snapshot, * FROM order_lines   WHERE 0;
CREATE TABLE snap_subscriptions AS SELECT '' AS snapshot, * FROM subscriptions WHERE 0;
CREATE TABLE snap_carts         AS SELECT '' AS snapshot, * FROM carts         WHERE 0;
CREATE INDEX snap_orders_name        ON snap_orders (snapshot);
CREATE INDEX snap_order_lines_name   ON snap_order_lines (snapshot);
CREATE INDEX snap_subscriptions_name ON snap_subscriptions (snapshot);
CREATE INDEX snap_carts_name         ON snap_carts (snapshot);

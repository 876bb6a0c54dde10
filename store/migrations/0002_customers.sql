-- Customers of an account, direct (reseller_id = '') or of one of its
-- sandbox indirect resellers. Deleting a customer deletes its row.
CREATE TABLE customers (
    seq          INTEGER PRIMARY KEY,          -- creation order, the paging key
    id           TEXT NOT NULL UNIQUE,         -- the customer's tenant id
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reseller_id  TEXT NOT NULL DEFAULT '',     -- associatedPartnerId
    commerce_id  TEXT NOT NULL,
    domain       TEXT NOT NULL,                -- lower-case
    company_name TEXT NOT NULL,
    billing_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    culture      TEXT NOT NULL,
    language     TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '{}',
    etag         TEXT NOT NULL,
    created_at   INTEGER NOT NULL              -- unix nanoseconds
);
-- Every customer query is scoped to one account (and often one reseller)
-- and walks creation order, so these keep cost independent of how many
-- other accounts the database holds.
CREATE INDEX customers_account ON customers (account_id, seq);
CREATE INDEX customers_reseller ON customers (account_id, reseller_id, seq);

-- Secrets the server keeps across restarts (the continuation-token key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

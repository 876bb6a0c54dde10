-- Accounts are provider tenants (SPEC §4.1). Limits are NULL for "no limit".
CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    domain              TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('sandbox', 'primary')),
    mpn_id              TEXT NOT NULL,
    country             TEXT NOT NULL,
    email               TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '{}',
    limit_resellers     INTEGER,
    limit_customers     INTEGER,
    limit_subscriptions INTEGER,
    limit_licenses      INTEGER,
    auto_created        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
    upn        TEXT PRIMARY KEY COLLATE NOCASE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password   TEXT NOT NULL DEFAULT '',
    object_id  TEXT NOT NULL
);

CREATE TABLE apps (
    app_id     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        TEXT NOT NULL
);

-- Static bearer tokens: fixture tokens and the tokens of auto-created accounts.
CREATE TABLE tokens (
    token       TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_upn    TEXT NOT NULL DEFAULT '',
    app_id      TEXT NOT NULL DEFAULT '',
    app_only    INTEGER NOT NULL DEFAULT 0,
    reseller_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_account ON tokens (account_id);

-- One namespace of tenant domain names shared by every account (SPEC §3.7):
-- the primary key makes "is it taken" and "take it" one atomic step.
CREATE TABLE domains (
    name       TEXT PRIMARY KEY,            -- lower-case
    account_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('account', 'reseller', 'customer')),
    owner_id   TEXT NOT NULL
);
CREATE INDEX domains_owner ON domains (owner_id);

-- Sandbox indirect resellers. Deleted ones stay (deleted_at set) so that a
-- repeated DELETE answers 204 until the next reset (SPEC §3.2).
CREATE TABLE resellers (
    seq                 INTEGER PRIMARY KEY,  -- creation order
    id                  TEXT NOT NULL UNIQUE, -- the reseller's tenant id
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    mpn_id              TEXT NOT NULL,
    domain_prefix       TEXT NOT NULL,
    name                TEXT NOT NULL,
    country             TEXT NOT NULL,
    culture             TEXT NOT NULL DEFAULT '',
    language            TEXT NOT NULL DEFAULT '',
    admin_user_name     TEXT NOT NULL,
    password            TEXT NOT NULL DEFAULT '',
    legal_profile       TEXT NOT NULL DEFAULT '{}',
    agreement_id        TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,      -- unix nanoseconds
    deleted_at          INTEGER
);
CREATE INDEX resellers_live ON resellers (account_id, deleted_at, seq);

-- Stored responses for MS-RequestId idempotency (SPEC §6).
CREATE TABLE idempotency (
    account_id   TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    expires_at   INTEGER NOT NULL,             -- unix nanoseconds
    PRIMARY KEY (account_id, request_id, method, path)
) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

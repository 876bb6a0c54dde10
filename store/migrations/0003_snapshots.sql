-- Named snapshots of the business state (SPEC §8). Each business table has
-- a mirror with a leading snapshot-name column; saving and restoring are
-- INSERT ... SELECT, so every value keeps its exact type.
CREATE TABLE snapshots (
    name    TEXT PRIMARY KEY,
    created INTEGER NOT NULL -- unix nanoseconds
);
CREATE TABLE snap_accounts    AS SELECT '' AS snapshot, * FROM accounts    WHERE 0;
CREATE TABLE snap_users       AS SELECT '' AS snapshot, * FROM users       WHERE 0;
CREATE TABLE snap_apps        AS SELECT '' AS snapshot, * FROM apps        WHERE 0;
CREATE TABLE snap_tokens      AS SELECT '' AS snapshot, * FROM tokens      WHERE 0;
CREATE TABLE snap_domains     AS SELECT '' AS snapshot, * FROM domains     WHERE 0;
CREATE TABLE snap_resellers   AS SELECT '' AS snapshot, * FROM resellers   WHERE 0;
CREATE TABLE snap_customers   AS SELECT '' AS snapshot, * FROM customers   WHERE 0;
CREATE TABLE snap_idempotency AS SELECT '' AS snapshot, * FROM idempotency WHERE 0;
CREATE INDEX snap_accounts_name    ON snap_accounts (snapshot);
CREATE INDEX snap_users_name       ON snap_users (snapshot);
CREATE INDEX snap_apps_name        ON snap_apps (snapshot);
CREATE INDEX snap_tokens_name      ON snap_tokens (snapshot);
CREATE INDEX snap_domains_name     ON snap_domains (snapshot);
CREATE INDEX snap_resellers_name   ON snap_resellers (snapshot);
CREATE INDEX snap_customers_name   ON snap_customers (snapshot);
CREATE INDEX snap_idempotency_name ON snap_idempotency (snapshot);

-- A listing page reads only index pages: the two listing indexes also
-- carry every column a listed customer shows (store.ListedCustomer), so
-- no page shows a row by seeking it in the customers table. Those seeks
-- were most of a page's SQLite time, and the part that grew with the
-- database (BENCHMARKS.md, round 3).
DROP INDEX customers_account;
CREATE INDEX customers_account ON customers (account_id, seq, id, reseller_id, commerce_id, domain, company_name);
DROP INDEX customers_reseller;
CREATE INDEX customers_reseller ON customers (account_id, reseller_id, seq, id, commerce_id, domain, company_name);

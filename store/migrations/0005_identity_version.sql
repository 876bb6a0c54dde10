-- identity_version counts changes to what authentication reads (accounts,
-- their users, apps and tokens, and resellers, whose deletion revokes their
-- tokens), so the store's principal memo survives every write that changes
-- none of it: creating customers, resellers, orders and the like. A new
-- reseller changes no principal (a token of it cannot have been remembered:
-- misses are not), so inserting one does not count.
CREATE TABLE identity_version (v INTEGER NOT NULL);
INSERT INTO identity_version (v) VALUES (0);

CREATE TRIGGER accounts_inserted AFTER INSERT ON accounts BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER users_inserted AFTER INSERT ON users BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER users_updated AFTER UPDATE ON users BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER users_deleted AFTER DELETE ON users BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER apps_inserted AFTER INSERT ON apps BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER apps_updated AFTER UPDATE ON apps BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER apps_deleted AFTER DELETE ON apps BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER tokens_inserted AFTER INSERT ON tokens BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER tokens_updated AFTER UPDATE ON tokens BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER tokens_deleted AFTER DELETE ON tokens BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER resellers_updated AFTER UPDATE ON resellers BEGIN UPDATE identity_version SET v = v + 1; END;
CREATE TRIGGER resellers_deleted AFTER DELETE ON resellers BEGIN UPDATE identity_version SET v = v + 1; END;

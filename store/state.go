package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// businessTables are the tables that make up the business state, parents
// before children (the order inserts need; deletes go the other way).
var businessTables = []string{"accounts", "users", "apps", "tokens", "domains", "resellers", "customers",
	"orders", "order_lines", "subscriptions", "carts", "idempotency"}

// ResetAll replaces the whole business state, idempotency keys included,
// with seed (SPEC §8 reset). seedKey names the seed (a digest of it): the
// first reset saves the seeded state as an internal snapshot under that
// key, and later resets restore it, which copies rows table to table
// instead of inserting them one by one.
func (s *Store) ResetAll(ctx context.Context, seedKey string, seed Snapshot) error {
	name := internalSnapshot + seedKey
	return s.update(ctx, func(tx *Tx) error {
		saved, err := tx.hasSnapshot(ctx, name)
		if err != nil || saved {
			if err == nil {
				err = tx.restore(ctx, name)
			}
			return err
		}
		if err := tx.deleteAll(ctx); err != nil {
			return err
		}
		for _, as := range seed.Accounts {
			if err := tx.seedAccount(ctx, as); err != nil {
				return fmt.Errorf("account %s: %w", as.Account.ID, err)
			}
		}
		if err := tx.dropInternalSnapshots(ctx); err != nil { // of earlier seeds
			return err
		}
		return tx.save(ctx, name)
	})
}

func (tx *Tx) dropInternalSnapshots(ctx context.Context) error {
	rows, err := tx.tx.QueryContext(ctx, `SELECT name FROM snapshots WHERE instr(name, ':') > 0`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if err := tx.dropSnapshot(ctx, n); err != nil {
			return err
		}
	}
	return rows.Err()
}

// internalSnapshot prefixes snapshot names the store keeps for itself; the
// ':' cannot appear in a user's snapshot name.
const internalSnapshot = "seed:"

func (tx *Tx) deleteAll(ctx context.Context) error {
	for i := len(businessTables) - 1; i >= 0; i-- {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM `+businessTables[i]); err != nil {
			return err
		}
	}
	return nil
}

// ResetAccount puts one account back to seed (nil: the account was not
// seeded, so it is removed, as auto-created accounts are by a full reset).
// A domain of the seed now held by another account is a *DomainHeldError
// and changes nothing. An account neither stored nor seeded is ErrNotFound.
func (s *Store) ResetAccount(ctx context.Context, id string, seed *AccountSeed) error {
	id = lower(id)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 && seed == nil {
			return &NotFoundError{Kind: "account", ID: id}
		}
		for _, q := range []string{`DELETE FROM domains WHERE account_id = ?`, `DELETE FROM idempotency WHERE account_id = ?`} {
			if _, err := tx.tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		if seed == nil {
			return nil
		}
		err = tx.seedAccount(ctx, *seed)
		var taken *DomainTakenError
		if errors.As(err, &taken) {
			var holder string
			tx.tx.QueryRowContext(ctx, `SELECT account_id FROM domains WHERE name = ?`, taken.Domain).Scan(&holder)
			return &DomainHeldError{Domain: taken.Domain, Holder: holder}
		}
		return err
	})
}

// DomainHeldError: a reset would re-create a domain another account holds.
type DomainHeldError struct{ Domain, Holder string }

func (e *DomainHeldError) Error() string {
	return fmt.Sprintf("domain %s is held by account %s", e.Domain, e.Holder)
}

// SnapshotInfo names a stored snapshot.
type SnapshotInfo struct {
	Name    string
	Created time.Time
}

// SaveSnapshot stores the business state under name, replacing any
// snapshot of that name.
func (s *Store) SaveSnapshot(ctx context.Context, name string) error {
	return s.update(ctx, func(tx *Tx) error { return tx.save(ctx, name) })
}

func (tx *Tx) save(ctx context.Context, name string) error {
	if err := tx.dropSnapshot(ctx, name); err != nil {
		return err
	}
	for _, t := range businessTables {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO snap_`+t+` SELECT ?, * FROM `+t, name); err != nil {
			return fmt.Errorf("snapshot %s: %w", t, err)
		}
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO snapshots (name, created) VALUES (?, ?)`, name, tx.now.UnixNano())
	return err
}

func (tx *Tx) hasSnapshot(ctx context.Context, name string) (bool, error) {
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM snapshots WHERE name = ?`, name).Scan(&n)
	return n > 0, err
}

func (tx *Tx) dropSnapshot(ctx context.Context, name string) error {
	for _, t := range append([]string{"snapshots"}, prefixed("snap_", businessTables)...) {
		column := "snapshot"
		if t == "snapshots" {
			column = "name"
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE `+column+` = ?`, name); err != nil {
			return err
		}
	}
	return nil
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// RestoreSnapshot replaces the business state with the named snapshot;
// ErrNotFound if there is none.
func (s *Store) RestoreSnapshot(ctx context.Context, name string) error {
	return s.update(ctx, func(tx *Tx) error {
		saved, err := tx.hasSnapshot(ctx, name)
		if err != nil {
			return err
		}
		if !saved {
			return &NotFoundError{Kind: "snapshot", ID: name}
		}
		return tx.restore(ctx, name)
	})
}

func (tx *Tx) restore(ctx context.Context, name string) error {
	if err := tx.deleteAll(ctx); err != nil {
		return err
	}
	for _, t := range businessTables {
		cols, err := tx.columns(ctx, t)
		if err != nil {
			return err
		}
		list := strings.Join(cols, ", ")
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO `+t+` (`+list+`) SELECT `+list+` FROM snap_`+t+` WHERE snapshot = ?`, name); err != nil {
			return fmt.Errorf("restore %s: %w", t, err)
		}
	}
	return nil
}

func (tx *Tx) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// Snapshots lists the users' snapshots by name.
func (s *Store) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, created FROM snapshots WHERE instr(name, ':') = 0 ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SnapshotInfo{}
	for rows.Next() {
		var si SnapshotInfo
		var created int64
		if err := rows.Scan(&si.Name, &created); err != nil {
			return nil, err
		}
		si.Created = time.Unix(0, created).UTC()
		out = append(out, si)
	}
	return out, rows.Err()
}

// SetLimits replaces an account's limits; ErrNotFound for an unknown account.
func (s *Store) SetLimits(ctx context.Context, accountID string, l limits.Limits) error {
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET limit_resellers = ?, limit_customers = ?,
			limit_subscriptions = ?, limit_licenses = ? WHERE id = ?`,
			nullInt(l.Resellers), nullInt(l.Customers), nullInt(l.SubscriptionsPerCustomer), nullInt(l.LicensesPerSubscription), lower(accountID))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &NotFoundError{Kind: "account", ID: accountID}
		}
		return nil
	})
}

// State reads the whole business state as a snapshot (live resellers only;
// customer passwords are never stored). It reads in one transaction, so
// the picture is consistent.
func (s *Store) State(ctx context.Context) (Snapshot, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Snapshot{}, err
	}
	defer tx.Rollback()
	var snap Snapshot
	index := map[string]int{}
	rows, err := tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a ORDER BY a.rowid`)
	if err != nil {
		return Snapshot{}, err
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return Snapshot{}, err
		}
		index[a.ID] = len(snap.Accounts)
		snap.Accounts = append(snap.Accounts, AccountSeed{Account: a})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Snapshot{}, err
	}
	each := func(query string, scan func(rowScanner) (string, func(*AccountSeed), error)) error {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			account, add, err := scan(rows)
			if err != nil {
				return err
			}
			if i, ok := index[account]; ok {
				add(&snap.Accounts[i])
			}
		}
		return rows.Err()
	}
	steps := []struct {
		query string
		scan  func(rowScanner) (string, func(*AccountSeed), error)
	}{
		{`SELECT account_id, app_id, key FROM apps ORDER BY rowid`, func(r rowScanner) (string, func(*AccountSeed), error) {
			var account string
			var app App
			err := r.Scan(&account, &app.AppID, &app.Key)
			return account, func(as *AccountSeed) { as.Apps = append(as.Apps, app) }, err
		}},
		{`SELECT account_id, upn, password, object_id FROM users ORDER BY rowid`, func(r rowScanner) (string, func(*AccountSeed), error) {
			var account string
			var u User
			err := r.Scan(&account, &u.UPN, &u.Password, &u.ObjectID)
			return account, func(as *AccountSeed) { as.Users = append(as.Users, u) }, err
		}},
		{`SELECT account_id, token, user_upn, app_id, app_only, reseller_id FROM tokens ORDER BY rowid`, func(r rowScanner) (string, func(*AccountSeed), error) {
			var account string
			var t Token
			err := r.Scan(&account, &t.Token, &t.UserUPN, &t.AppID, &t.AppOnly, &t.ResellerID)
			return account, func(as *AccountSeed) { as.Tokens = append(as.Tokens, t) }, err
		}},
		{`SELECT ` + resellerColumns + ` FROM resellers WHERE deleted_at IS NULL ORDER BY seq`, func(r rowScanner) (string, func(*AccountSeed), error) {
			res, err := scanReseller(r)
			return res.AccountID, func(as *AccountSeed) { as.Resellers = append(as.Resellers, res) }, err
		}},
		{`SELECT ` + customerColumns + ` FROM customers ORDER BY seq`, func(r rowScanner) (string, func(*AccountSeed), error) {
			c, err := scanCustomer(r)
			return c.AccountID, func(as *AccountSeed) { as.Customers = append(as.Customers, c) }, err
		}},
		{`SELECT o.account_id, o.id, o.customer_id, o.billing_cycle, o.etag, o.created_at, l.line_number, l.offer_id, l.quantity,
				l.friendly_name, l.partner_id, l.term_duration, l.subscription_id
			FROM orders o JOIN order_lines l ON l.order_id = o.id ORDER BY o.seq, l.line_number`,
			func(r rowScanner) (string, func(*AccountSeed), error) {
				var account string
				var o Order
				var l OrderLine
				var created int64
				err := r.Scan(&account, &o.ID, &o.CustomerID, &o.BillingCycle, &o.ETag, &created, &l.LineNumber, &l.OfferID,
					&l.Quantity, &l.FriendlyName, &l.PartnerID, &l.TermDuration, &l.SubscriptionID)
				o.AccountID, o.CreatedAt = account, time.Unix(0, created).UTC()
				return account, func(as *AccountSeed) {
					if n := len(as.Orders); n > 0 && as.Orders[n-1].ID == o.ID {
						as.Orders[n-1].Lines = append(as.Orders[n-1].Lines, l)
						return
					}
					o.Lines = []OrderLine{l}
					as.Orders = append(as.Orders, o)
				}, err
			}},
		{`SELECT ` + subscriptionColumns + ` FROM subscriptions ORDER BY seq`, func(r rowScanner) (string, func(*AccountSeed), error) {
			sub, err := scanSubscription(r)
			return sub.AccountID, func(as *AccountSeed) { as.Subscriptions = append(as.Subscriptions, sub) }, err
		}},
	}
	for _, step := range steps {
		if err := each(step.query, step.scan); err != nil {
			return Snapshot{}, err
		}
	}
	return snap, nil
}

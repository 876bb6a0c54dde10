package store

import (
	"context"
	"fmt"
)

// Snapshot is a whole seed state, as fixture files describe it.
type Snapshot struct {
	Accounts []AccountSeed
	// Catalog holds the fixtures' offers. It configures the server and is
	// not stored: Seed ignores it.
	Catalog []Offer
}

// AccountSeed is one account with everything it owns.
type AccountSeed struct {
	Account       Account
	Apps          []App
	Users         []User
	Tokens        []Token
	Resellers     []Reseller
	Customers     []Customer
	Orders        []Order        // of the account's customers (CustomerID set)
	Subscriptions []Subscription // likewise
}

// IsEmpty reports whether the database holds no accounts yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n == 0, err
}

// Seed writes snap in one transaction: all of it or, on any error, none.
func (s *Store) Seed(ctx context.Context, snap Snapshot) error {
	return s.update(ctx, func(tx *Tx) error {
		for _, as := range snap.Accounts {
			if err := tx.seedAccount(ctx, as); err != nil {
				return fmt.Errorf("account %s: %w", as.Account.ID, err)
			}
		}
		return nil
	})
}

func (tx *Tx) seedAccount(ctx context.Context, as AccountSeed) error {
	a := as.Account
	if err := tx.insertAccount(ctx, a, false); err != nil {
		return err
	}
	for _, app := range as.Apps {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO apps (app_id, account_id, key) VALUES (?, ?, ?)`,
			lower(app.AppID), a.ID, app.Key); err != nil {
			return fmt.Errorf("app %s: %w", app.AppID, err)
		}
	}
	for _, u := range as.Users {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO users (upn, account_id, password, object_id) VALUES (?, ?, ?, ?)`,
			u.UPN, a.ID, u.Password, lower(u.ObjectID)); err != nil {
			return fmt.Errorf("user %s: %w", u.UPN, err)
		}
	}
	for _, t := range as.Tokens {
		if _, err := tx.tx.ExecContext(ctx, `
			INSERT INTO tokens (token, account_id, user_upn, app_id, app_only, reseller_id) VALUES (?, ?, ?, ?, ?, ?)`,
			t.Token, a.ID, t.UserUPN, lower(t.AppID), t.AppOnly, lower(t.ResellerID)); err != nil {
			return fmt.Errorf("token: %w", err)
		}
	}
	for _, r := range as.Resellers {
		r.AccountID = a.ID
		if err := tx.insertReseller(ctx, r); err != nil {
			return err
		}
		if r.DeletedAt == nil {
			if err := tx.takeDomain(ctx, r.Domain(), a.ID, "reseller", r.ID); err != nil {
				return fmt.Errorf("reseller %s: %w", r.ID, err)
			}
		}
	}
	for _, c := range as.Customers {
		c.AccountID = a.ID
		if err := tx.insertCustomer(ctx, c); err != nil {
			return fmt.Errorf("customer %s: %w", c.ID, err)
		}
		if err := tx.takeDomain(ctx, c.Domain, a.ID, "customer", c.ID); err != nil {
			return fmt.Errorf("customer %s: %w", c.ID, err)
		}
	}
	for _, o := range as.Orders {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO orders (id, account_id, customer_id, billing_cycle, etag, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, lower(o.ID), a.ID, lower(o.CustomerID), o.BillingCycle, o.ETag, o.CreatedAt.UnixNano()); err != nil {
			return fmt.Errorf("order %s: %w", o.ID, err)
		}
		for _, l := range o.Lines {
			if err := tx.insertOrderLine(ctx, lower(o.ID), l); err != nil {
				return fmt.Errorf("order %s line %d: %w", o.ID, l.LineNumber, err)
			}
		}
	}
	for _, sub := range as.Subscriptions {
		sub.AccountID, sub.ID, sub.CustomerID, sub.OrderID = a.ID, lower(sub.ID), lower(sub.CustomerID), lower(sub.OrderID)
		if err := tx.insertSubscription(ctx, sub); err != nil {
			return fmt.Errorf("subscription %s: %w", sub.ID, err)
		}
	}
	return nil
}

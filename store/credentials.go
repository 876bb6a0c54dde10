package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
)

// AccountByID reads an account; ErrNotFound if there is none.
func (s *Store) AccountByID(ctx context.Context, id string) (Account, error) {
	return s.accountWhere(ctx, "a.id = ?", lower(id))
}

// AccountByDomain reads the account whose own domain is domain.
func (s *Store) AccountByDomain(ctx context.Context, domain string) (Account, error) {
	return s.accountWhere(ctx, "a.domain = ?", lower(domain))
}

func (s *Store) accountWhere(ctx context.Context, where string, arg string) (Account, error) {
	a, err := scanAccount(s.rdb.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, &NotFoundError{Kind: "account", ID: arg}
	}
	return a, err
}

// AppByID reads an app registration and the id of the account owning it.
func (s *Store) AppByID(ctx context.Context, appID string) (App, string, error) {
	var app App
	var accountID string
	err := s.rdb.QueryRowContext(ctx, `SELECT app_id, key, account_id FROM apps WHERE app_id = ?`, lower(appID)).
		Scan(&app.AppID, &app.Key, &accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, "", &NotFoundError{Kind: "app", ID: appID}
	}
	return app, accountID, err
}

// UserByUPN reads a user (any case of the UPN) and the id of its account.
func (s *Store) UserByUPN(ctx context.Context, upn string) (User, string, error) {
	var u User
	var accountID string
	err := s.rdb.QueryRowContext(ctx, `SELECT upn, password, object_id, account_id FROM users WHERE upn = ?`, upn).
		Scan(&u.UPN, &u.Password, &u.ObjectID, &accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", &NotFoundError{Kind: "user", ID: upn}
	}
	return u, accountID, err
}

// Secret returns a named secret, kept in the database so that it survives
// restarts: random, or derived from the store's seed when it has one.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.update(ctx, func(tx *Tx) error {
		err := tx.tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if s.seed != 0 {
			sum := sha256.Sum256([]byte(fmt.Sprintf("mocksandbox secret %s %d", name, s.seed)))
			v = sum[:]
		} else {
			v = make([]byte, 32)
			if _, err := rand.Read(v); err != nil {
				return err
			}
		}
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?)`, name, v)
		return err
	})
	return v, err
}

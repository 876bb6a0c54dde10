package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/mocksandbox/mocksandbox/limits"
)

// idNamespace is the fixed UUIDv5 namespace for ids the mock derives from
// names: auto-created accounts (from their token) and admin object ids.
var idNamespace = uuid.MustParse("9b6f2c3e-5c4a-4d1e-8f7b-6d0c2a1e4b90")

// DerivedID is UUIDv5(idNamespace, name), lower-case.
func DerivedID(name string) string { return uuid.NewSHA1(idNamespace, []byte(name)).String() }

const accountColumns = `a.id, a.name, a.domain, a.kind, a.mpn_id, a.country, a.email, a.address,
	a.limit_resellers, a.limit_customers, a.limit_subscriptions, a.limit_licenses`

type rowScanner interface{ Scan(dest ...any) error }

func scanAccount(row rowScanner, extra ...any) (Account, error) {
	var a Account
	var address string
	var lr, lc, ls, ll sql.NullInt64
	dest := append([]any{&a.ID, &a.Name, &a.Domain, &a.Kind, &a.MpnID, &a.Country, &a.Email, &address, &lr, &lc, &ls, &ll}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Account{}, err
	}
	var err error
	if a.Address, err = decodeAddress(address); err != nil {
		return Account{}, fmt.Errorf("account %s address: %w", a.ID, err)
	}
	a.Limits = limits.Limits{
		Resellers:                intPtr(lr),
		Customers:                intPtr(lc),
		SubscriptionsPerCustomer: intPtr(ls),
		LicensesPerSubscription:  intPtr(ll),
	}
	return a, nil
}

func intPtr(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// PrincipalForToken resolves a static bearer token (a fixture token or an
// auto-created account's) to its principal; ErrNotFound if none matches.
func (s *Store) PrincipalForToken(ctx context.Context, token string) (Principal, error) {
	var userUPN, appID, resellerID string
	var appOnly bool
	var objectID sql.NullString
	row := s.rdb.QueryRowContext(ctx, `
		SELECT `+accountColumns+`, t.user_upn, t.app_id, t.app_only, t.reseller_id, u.object_id
		FROM tokens t
		JOIN accounts a ON a.id = t.account_id
		LEFT JOIN users u ON u.upn = t.user_upn AND u.account_id = t.account_id
		WHERE t.token = ?`, token)
	a, err := scanAccount(row, &userUPN, &appID, &appOnly, &resellerID, &objectID)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrNotFound
	}
	if err != nil {
		return Principal{}, err
	}
	if resellerID != "" {
		return s.ResellerPrincipal(ctx, resellerID, "")
	}
	p := Principal{Account: a, AppID: appID, AppOnly: appOnly}
	if !appOnly {
		p.UPN, p.ObjectID = userUPN, objectID.String
	}
	return p, nil
}

// ResellerPrincipal is the caller that a sandbox reseller's admin is: its
// provider's account, seen through the reseller (SPEC §12.3). A reseller
// that is not live is ErrResellerNotLive.
func (s *Store) ResellerPrincipal(ctx context.Context, resellerID, appID string) (Principal, error) {
	r, err := s.ResellerByID(ctx, resellerID)
	if errors.Is(err, ErrNotFound) || (err == nil && r.DeletedAt != nil) {
		return Principal{}, ErrResellerNotLive
	}
	if err != nil {
		return Principal{}, err
	}
	a, err := s.AccountByID(ctx, r.AccountID)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Account: a, Reseller: &r, UPN: r.AdminUserAccount(), ObjectID: ResellerAdminObjectID(r.ID), AppID: appID}, nil
}

// ResellerAdminObjectID is the object id of a reseller tenant's admin user.
func ResellerAdminObjectID(resellerID string) string { return DerivedID(lower(resellerID) + "/admin") }

// AutoAccount describes the sandbox account that permissive auth creates for
// an unknown bearer token (SPEC §4.3). Everything derives from the token.
func AutoAccount(token string) (Account, User) {
	id := DerivedID("token:" + token)
	hex8 := id[:8]
	n, _ := strconv.ParseUint(hex8, 16, 64) // 8 hex digits always parse
	domain := "sandbox" + hex8 + ".onmicrosoft.com"
	a := Account{
		ID:      id,
		Name:    "Sandbox " + hex8,
		Domain:  domain,
		Kind:    Sandbox,
		MpnID:   strconv.FormatUint(1000000+n%9000000, 10),
		Country: "US",
		Email:   "admin@" + domain,
		Address: DefaultAddress("US"),
		Limits:  limits.SandboxDefaults(),
	}
	upn := "admin@" + domain
	return a, User{UPN: upn, ObjectID: DerivedID(id + "/admin")}
}

// DefaultAddress is the address of an account that was given none (chosen).
func DefaultAddress(country string) Address {
	return Address{AddressLine1: "1 Microsoft Way", City: "Redmond", State: "WA", PostalCode: "98052", Country: country}
}

// EnsureAutoAccount returns the principal for token, creating its
// auto-account first if needed. Concurrent first uses create it once.
func (s *Store) EnsureAutoAccount(ctx context.Context, token string) (Principal, error) {
	a, u := AutoAccount(token)
	err := s.update(ctx, func(tx *Tx) error { return tx.ensureAutoAccount(ctx, token, a, u) })
	if err != nil {
		return Principal{}, fmt.Errorf("create account for token: %w", err)
	}
	return s.PrincipalForToken(ctx, token)
}

func (tx *Tx) ensureAutoAccount(ctx context.Context, token string, a Account, u User) error {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE token = ?`, token).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var taken *DomainTakenError
	if err := tx.insertAccount(ctx, a, true); err != nil && !errors.As(err, &taken) {
		return err
	}
	// A taken domain is no reason to refuse the token: any customer may have
	// named sandbox{8 hex}.onmicrosoft.com first. The account works without
	// holding it.
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO users (upn, account_id, object_id) VALUES (?, ?, ?)`,
		u.UPN, a.ID, u.ObjectID); err != nil {
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO tokens (token, account_id, user_upn) VALUES (?, ?, ?)`,
		token, a.ID, u.UPN)
	return err
}

func (tx *Tx) insertAccount(ctx context.Context, a Account, auto bool) error {
	address, err := json.Marshal(a.Address)
	if err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `
		INSERT INTO accounts (id, name, domain, kind, mpn_id, country, email, address,
			limit_resellers, limit_customers, limit_subscriptions, limit_licenses, auto_created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Name, a.Domain, a.Kind, a.MpnID, a.Country, a.Email, string(address),
		nullInt(a.Limits.Resellers), nullInt(a.Limits.Customers),
		nullInt(a.Limits.SubscriptionsPerCustomer), nullInt(a.Limits.LicensesPerSubscription), auto)
	if err != nil {
		return err
	}
	return tx.takeDomain(ctx, a.Domain, a.ID, "account", a.ID)
}

// takeDomain claims a tenant domain in the shared namespace.
func (tx *Tx) takeDomain(ctx context.Context, domain, accountID, ownerKind, ownerID string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO domains (name, account_id, owner_kind, owner_id) VALUES (?, ?, ?, ?)`,
		lower(domain), accountID, ownerKind, ownerID)
	if isUnique(err) {
		return &DomainTakenError{Domain: lower(domain)}
	}
	return err
}

// releaseDomains frees every domain an owner holds.
func (tx *Tx) releaseDomains(ctx context.Context, ownerID string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM domains WHERE owner_id = ?`, ownerID)
	return err
}

// account reads one account inside the transaction.
func (tx *Tx) account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(tx.tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	return a, err
}

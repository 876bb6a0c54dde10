package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/limits"
)

// Customer is a customer tenant of an account.
type Customer struct {
	ID         string // tenant id
	AccountID  string
	ResellerID string // associatedPartnerId; empty for a direct customer
	CommerceID string
	Domain     string // lower-case
	Billing    BillingProfile
	CreatedAt  time.Time
	// Password is the admin password generated at creation; it is only
	// ever set on the value CreateCustomer returns.
	Password string
}

// BillingProfile is a customer's billing profile.
type BillingProfile struct {
	ID          string
	Email       string
	Culture     string
	Language    string
	CompanyName string
	Address     Address
	ETag        string
}

// NewCustomer is what creating a customer needs.
type NewCustomer struct {
	ResellerID string // empty: a direct customer
	Domain     string
	Billing    BillingProfile // ID and ETag are assigned
}

// ResellerNotFoundError: associatedPartnerId names no live reseller of the account.
type ResellerNotFoundError struct{ ResellerID string }

func (e *ResellerNotFoundError) Error() string {
	return fmt.Sprintf("%s is not a live indirect reseller of this account", e.ResellerID)
}

// ResellerHasCustomersError: a reseller that still has customers cannot be deleted.
type ResellerHasCustomersError struct {
	ResellerID string
	Customers  int
}

func (e *ResellerHasCustomersError) Error() string {
	return fmt.Sprintf("reseller %s still has %d customers", e.ResellerID, e.Customers)
}

// NormaliseCulture spells a culture as Partner Center stores it:
// "EN-us" → "en-US", "zh-hans-cn" → "zh-Hans-CN".
func NormaliseCulture(c string) string {
	parts := strings.Split(c, "-")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		switch len(parts[i]) {
		case 2:
			parts[i] = strings.ToUpper(parts[i])
		case 4:
			parts[i] = strings.ToUpper(parts[i][:1]) + strings.ToLower(parts[i][1:])
		}
	}
	return strings.Join(parts, "-")
}

// CreateCustomer creates a customer of account. Checks run in SPEC §2.7
// order: the domain (DomainTakenError), the reseller
// (ResellerNotFoundError), then the customer limit (*limits.ExceededError).
func (tx *Tx) CreateCustomer(ctx context.Context, accountID string, in NewCustomer) (Customer, error) {
	a, err := tx.account(ctx, accountID)
	if err != nil {
		return Customer{}, err
	}
	c := Customer{
		ID:         tx.newID(),
		AccountID:  a.ID,
		ResellerID: lower(in.ResellerID),
		CommerceID: tx.newID(),
		Domain:     lower(in.Domain),
		Billing:    in.Billing,
		CreatedAt:  tx.now,
	}
	c.Billing.ID = tx.newID()
	c.Billing.ETag = tx.newETag()
	c.Password = tx.newPassword()

	if err := tx.takeDomain(ctx, c.Domain, a.ID, "customer", c.ID); err != nil {
		return Customer{}, err
	}
	if c.ResellerID != "" {
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM resellers WHERE account_id = ? AND id = ? AND deleted_at IS NULL`,
			a.ID, c.ResellerID).Scan(&n); err != nil {
			return Customer{}, err
		}
		if n == 0 {
			return Customer{}, &ResellerNotFoundError{ResellerID: in.ResellerID}
		}
	}
	var count int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE account_id = ?`, a.ID).Scan(&count); err != nil {
		return Customer{}, err
	}
	if err := limits.Check(limits.Customers, count+1, a.Limits.Customers); err != nil {
		return Customer{}, err
	}
	return c, tx.insertCustomer(ctx, c)
}

func (tx *Tx) insertCustomer(ctx context.Context, c Customer) error {
	c.ID, c.Domain, c.ResellerID = lower(c.ID), lower(c.Domain), lower(c.ResellerID)
	address, err := json.Marshal(c.Billing.Address)
	if err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `
		INSERT INTO customers (id, account_id, reseller_id, commerce_id, domain, company_name, billing_id,
			email, culture, language, address, etag, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.ResellerID, c.CommerceID, c.Domain, c.Billing.CompanyName, c.Billing.ID,
		c.Billing.Email, c.Billing.Culture, c.Billing.Language, string(address), c.Billing.ETag, c.CreatedAt.UnixNano())
	return err
}

// newETag returns a fresh etag: a signed 64-bit decimal, as Partner Center's.
func (tx *Tx) newETag() string {
	tx.s.randMu.Lock()
	defer tx.s.randMu.Unlock()
	var b [8]byte
	if _, err := tx.s.rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("etag source failed: %v", err))
	}
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	return strconv.FormatInt(v, 10)
}

// DeleteCustomer deletes a customer of account and frees its domain and its
// slot; the customer as it was is returned. One with active subscriptions
// is an *ActiveSubscriptionsError; suspended and deleted ones go with it.
func (tx *Tx) DeleteCustomer(ctx context.Context, accountID, customerID string) (Customer, error) {
	c, err := tx.Customer(ctx, accountID, customerID)
	if err != nil {
		return Customer{}, err
	}
	active, err := tx.activeSubscriptionIDs(ctx, c.ID)
	if err != nil {
		return Customer{}, err
	}
	if len(active) > 0 {
		return Customer{}, &ActiveSubscriptionsError{IDs: active}
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM customers WHERE id = ?`, c.ID); err != nil {
		return Customer{}, err
	}
	return c, tx.releaseDomains(ctx, c.ID)
}

const customerColumns = `id, account_id, reseller_id, commerce_id, domain, company_name, billing_id,
	email, culture, language, address, etag, created_at`

// scanCustomer reads a row of customerColumns.
func scanCustomer(row rowScanner) (Customer, error) {
	var c Customer
	var created int64
	var address string
	if err := row.Scan(&c.ID, &c.AccountID, &c.ResellerID, &c.CommerceID, &c.Domain, &c.Billing.CompanyName,
		&c.Billing.ID, &c.Billing.Email, &c.Billing.Culture, &c.Billing.Language, &address, &c.Billing.ETag, &created); err != nil {
		return Customer{}, err
	}
	var err error
	if c.Billing.Address, err = decodeAddress(address); err != nil {
		return Customer{}, fmt.Errorf("customer %s address: %w", c.ID, err)
	}
	c.CreatedAt = time.Unix(0, created).UTC()
	return c, nil
}

func queryCustomer(ctx context.Context, q querier, accountID, customerID string) (Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE account_id = ? AND id = ?`,
		accountID, lower(customerID)))
	if errors.Is(err, sql.ErrNoRows) {
		return Customer{}, &NotFoundError{Kind: "customer", ID: customerID}
	}
	return c, err
}

// CustomerByID reads one customer of account.
func (s *Store) CustomerByID(ctx context.Context, accountID, customerID string) (Customer, error) {
	return queryCustomer(ctx, s.rdb, accountID, customerID)
}

// Customer reads one customer of account inside the transaction.
func (tx *Tx) Customer(ctx context.Context, accountID, customerID string) (Customer, error) {
	return queryCustomer(ctx, tx.tx, accountID, customerID)
}

// CustomerFilter narrows a customer listing. Matches are case-insensitive
// prefix matches; empty fields match everything.
type CustomerFilter struct {
	ResellerID        string // associatedPartnerId is exactly this (a reseller caller's own)
	ResellerPrefix    string // associatedPartnerId starts with this
	CompanyNamePrefix string
	DomainPrefix      string
}

// ListedCustomer is what a customer listing shows of a customer. Reading
// only that, not whole customers, saved a third of a list page's time.
type ListedCustomer struct {
	ID          string
	ResellerID  string
	CommerceID  string
	Domain      string
	CompanyName string
}

// Listed is what a listing shows of c.
func (c Customer) Listed() ListedCustomer {
	return ListedCustomer{ID: c.ID, ResellerID: c.ResellerID, CommerceID: c.CommerceID, Domain: c.Domain,
		CompanyName: c.Billing.CompanyName}
}

// CustomerPage is one page of a listing in creation order.
type CustomerPage struct {
	Customers []ListedCustomer
	// Last is the paging position after this page; More says whether
	// customers remain after it.
	Last int64
	More bool
}

// ListCustomers lists up to size customers of account created after the
// position after (0: from the start), in creation order.
func (s *Store) ListCustomers(ctx context.Context, accountID string, f CustomerFilter, after int64, size int) (CustomerPage, error) {
	query, args := customerListQuery(accountID, f, after, size+1)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return CustomerPage{}, err
	}
	defer rows.Close()
	page := CustomerPage{Last: after, Customers: make([]ListedCustomer, 0, min(size, 64))}
	for rows.Next() {
		var seq int64
		var c ListedCustomer
		if err := rows.Scan(&seq, &c.ID, &c.ResellerID, &c.CommerceID, &c.Domain, &c.CompanyName); err != nil {
			return CustomerPage{}, err
		}
		if len(page.Customers) == size {
			page.More = true
			break
		}
		page.Customers = append(page.Customers, c)
		page.Last = seq
	}
	return page, rows.Err()
}

// customerListQuery is the query of a listing page: at most limit
// customers, each an index search within the account (see
// TestCustomerListingsAreIndexSearchesWithinTheAccount).
func customerListQuery(accountID string, f CustomerFilter, after int64, limit int) (string, []any) {
	where := []string{"account_id = ?", "seq > ?"}
	args := []any{accountID, after}
	if f.ResellerID != "" {
		where = append(where, "reseller_id = ?")
		args = append(args, lower(f.ResellerID))
	}
	resellerPrefix := lower(f.ResellerPrefix)
	if len(resellerPrefix) == len(uuid.Nil.String()) {
		// Reseller ids are GUIDs, so a whole one as a prefix matches only
		// itself: equality lets the customers_reseller index find just
		// that reseller's customers (the SDKs filter by whole ids).
		where = append(where, "reseller_id = ?")
		args = append(args, resellerPrefix)
		resellerPrefix = ""
	}
	for _, m := range []struct{ column, prefix string }{
		{"reseller_id", resellerPrefix},
		{"lower(company_name)", strings.ToLower(f.CompanyNamePrefix)},
		{"domain", lower(f.DomainPrefix)},
	} {
		if m.prefix != "" {
			// substr() rather than LIKE: no wildcard characters to escape.
			where = append(where, "substr("+m.column+", 1, ?) = ?")
			args = append(args, len(m.prefix), m.prefix)
		}
	}
	return `SELECT seq, id, reseller_id, commerce_id, domain, company_name FROM customers WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ?`, append(args, limit)
}

// LiveReseller reads one live reseller of account.
func (s *Store) LiveReseller(ctx context.Context, accountID, resellerID string) (Reseller, error) {
	r, err := scanReseller(s.rdb.QueryRowContext(ctx, `SELECT `+resellerColumns+` FROM resellers
		WHERE account_id = ? AND id = ? AND deleted_at IS NULL`, accountID, lower(resellerID)))
	if errors.Is(err, sql.ErrNoRows) {
		return Reseller{}, &NotFoundError{Kind: "sandbox indirect reseller", ID: resellerID}
	}
	return r, err
}

// DomainTaken reports whether a tenant domain is held by any account's
// tenant (SPEC §3.7).
func (s *Store) DomainTaken(ctx context.Context, domain string) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE name = ?`, lower(domain)).Scan(&n)
	return n > 0, err
}

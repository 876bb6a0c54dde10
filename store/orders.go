package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// Offer is what the store needs of a catalog offer.
type Offer struct {
	ID              string // as the catalog spells it
	Name            string
	MinimumQuantity int
	MaximumQuantity int
	IsTrial         bool
	NCE             bool     // a new-commerce catalog item (product:sku:availability)
	TermDurations   []string // NCE only, the first is the default
}

// OrderLine is one line of an order.
type OrderLine struct {
	LineNumber     int
	OfferID        string
	Offer          *Offer // nil: an offer id that is not in the catalog
	Quantity       int
	FriendlyName   string
	PartnerID      string // partner of record as sent; "" for none
	TermDuration   string // NCE only
	SubscriptionID string // set when created
}

// Order is a placed order.
type Order struct {
	ID           string
	AccountID    string
	CustomerID   string
	BillingCycle string
	ETag         string
	CreatedAt    time.Time
	Lines        []OrderLine
}

// Subscription statuses.
const (
	Active    = "active"
	Suspended = "suspended"
	Deleted   = "deleted"
)

// Subscription is a customer's subscription to an offer.
type Subscription struct {
	ID            string
	AccountID     string
	CustomerID    string
	OrderID       string
	OfferID       string
	OfferName     string
	FriendlyName  string
	Quantity      int
	Status        string
	AutoRenew     bool
	BillingCycle  string
	TermDuration  string
	IsTrial       bool
	NCE           bool
	PartnerID     string
	ETag          string
	CreatedAt     time.Time
	CommitmentEnd time.Time
}

// LineError is a refusal of one order or cart line.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// UnknownOfferError: an offer id that is not in the catalog (800004).
type UnknownOfferError struct{ OfferID string }

func (e *UnknownOfferError) Error() string {
	return fmt.Sprintf("offer %s is not in the catalog", e.OfferID)
}

// OfferMinimumError: the offer's minimum exceeds the licenses a
// subscription may hold here (sandbox rule 1, 900322).
type OfferMinimumError struct {
	OfferID      string
	Minimum, Max int
}

func (e *OfferMinimumError) Error() string {
	return fmt.Sprintf("offer %s needs at least %d licenses; at most %d are allowed", e.OfferID, e.Minimum, e.Max)
}

// QuantityRangeError: a quantity outside the offer's range (rule 2, 2002).
type QuantityRangeError struct {
	OfferID            string
	Quantity, Min, Max int
}

func (e *QuantityRangeError) Error() string {
	return fmt.Sprintf("quantity %d is outside offer %s's range %d-%d", e.Quantity, e.OfferID, e.Min, e.Max)
}

// PartnerError: a partner-of-record value the §11.2 rules refuse.
type PartnerError struct {
	PartnerID string
	Reason    PartnerReason
}

// PartnerReason says which §11.2 rule refused a partner value.
type PartnerReason int

const (
	PartnerUnknown     PartnerReason = iota // 404 800015
	PartnerIsProvider                       // 404 2072: this account's own PartnerID
	PartnerNotReseller                      // 400 800016: a PartnerID, but not of a reseller of this account
)

func (e *PartnerError) Error() string {
	return fmt.Sprintf("partner %q refused (%d)", e.PartnerID, e.Reason)
}

// PartnerIDPattern is what a PartnerID (MPN id) looks like: 1-10 digits.
var PartnerIDPattern = regexp.MustCompile(`^[0-9]{1,10}$`)

// checkPartner applies SPEC §11.2's partner-of-record rules; "" is none.
func (tx *Tx) checkPartner(ctx context.Context, a Account, value string) error {
	if value == "" {
		return nil
	}
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM resellers WHERE account_id = ? AND mpn_id = ? AND deleted_at IS NULL`,
		a.ID, value).Scan(&n); err != nil || n > 0 {
		return err
	}
	switch {
	case !PartnerIDPattern.MatchString(value):
		return &PartnerError{value, PartnerUnknown}
	case value == a.MpnID:
		return &PartnerError{value, PartnerIsProvider}
	}
	if err := tx.tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts WHERE mpn_id = ?) +
		(SELECT count(*) FROM resellers WHERE mpn_id = ? AND deleted_at IS NULL)`, value, value).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &PartnerError{value, PartnerNotReseller}
	}
	return &PartnerError{value, PartnerUnknown}
}

// NewOrder is what placing an order needs.
type NewOrder struct {
	BillingCycle string
	Lines        []OrderLine // in lineItemNumber order
}

// CreateOrder places an order for a customer of account: one subscription
// per line, or, on the first refusal, nothing. Checks run in SPEC §2.7
// order: the customer, the offers, the partner values, then the sandbox
// rules line by line (§11.2).
func (tx *Tx) CreateOrder(ctx context.Context, accountID, customerID string, in NewOrder) (Order, []Subscription, error) {
	a, c, err := tx.accountCustomer(ctx, accountID, customerID)
	if err != nil {
		return Order{}, nil, err
	}
	for _, l := range in.Lines {
		if l.Offer == nil {
			return Order{}, nil, &LineError{l.LineNumber, &UnknownOfferError{l.OfferID}}
		}
	}
	for _, l := range in.Lines {
		if err := tx.checkPartner(ctx, a, l.PartnerID); err != nil {
			return Order{}, nil, &LineError{l.LineNumber, err}
		}
	}
	if err := tx.checkSandboxRules(ctx, a, c.ID, in.Lines); err != nil {
		return Order{}, nil, err
	}
	return tx.insertOrder(ctx, a.ID, c.ID, in)
}

func (tx *Tx) accountCustomer(ctx context.Context, accountID, customerID string) (Account, Customer, error) {
	c, err := tx.Customer(ctx, accountID, customerID)
	if err != nil {
		return Account{}, Customer{}, err
	}
	a, err := tx.account(ctx, accountID)
	return a, c, err
}

// checkSandboxRules applies SPEC §11.2's sandbox rules to new lines, in
// order, counting the earlier lines against the active-subscription limit.
func (tx *Tx) checkSandboxRules(ctx context.Context, a Account, customerID string, lines []OrderLine) error {
	active, err := tx.activeSubscriptions(ctx, customerID, "")
	if err != nil {
		return err
	}
	for i, l := range lines {
		if err := quantityRules(a.Limits, *l.Offer, l.Quantity); err != nil {
			return &LineError{l.LineNumber, err}
		}
		if err := limits.Check(limits.SubscriptionsPerCustomer, active+i+1, a.Limits.SubscriptionsPerCustomer); err != nil {
			return &LineError{l.LineNumber, err}
		}
	}
	return nil
}

// quantityRules are sandbox rules 1-3 for one quantity of an offer.
func quantityRules(l limits.Limits, o Offer, quantity int) error {
	if max := l.LicensesPerSubscription; max != nil && o.MinimumQuantity > *max {
		return &OfferMinimumError{OfferID: o.ID, Minimum: o.MinimumQuantity, Max: *max}
	}
	if quantity < o.MinimumQuantity || quantity > o.MaximumQuantity {
		return &QuantityRangeError{OfferID: o.ID, Quantity: quantity, Min: o.MinimumQuantity, Max: o.MaximumQuantity}
	}
	return limits.Check(limits.LicensesPerSubscription, quantity, l.LicensesPerSubscription)
}

// activeSubscriptions counts a customer's active subscriptions, leaving
// out the one named except (when it is being changed).
func (tx *Tx) activeSubscriptions(ctx context.Context, customerID, except string) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM subscriptions WHERE customer_id = ? AND status = 'active' AND id <> ?`,
		customerID, except).Scan(&n)
	return n, err
}

func (tx *Tx) insertOrder(ctx context.Context, accountID, customerID string, in NewOrder) (Order, []Subscription, error) {
	o := Order{ID: tx.newID(), AccountID: accountID, CustomerID: customerID, BillingCycle: in.BillingCycle,
		ETag: tx.newETag(), CreatedAt: tx.now}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO orders (id, account_id, customer_id, billing_cycle, etag, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, o.ID, o.AccountID, o.CustomerID, o.BillingCycle, o.ETag, o.CreatedAt.UnixNano()); err != nil {
		return Order{}, nil, err
	}
	var subs []Subscription
	for _, l := range in.Lines {
		s := tx.newSubscription(accountID, customerID, o.ID, in.BillingCycle, l)
		l.SubscriptionID = s.ID
		if err := tx.insertOrderLine(ctx, o.ID, l); err != nil {
			return Order{}, nil, err
		}
		if err := tx.insertSubscription(ctx, s); err != nil {
			return Order{}, nil, err
		}
		o.Lines = append(o.Lines, l)
		subs = append(subs, s)
	}
	return o, subs, nil
}

func (tx *Tx) insertOrderLine(ctx context.Context, orderID string, l OrderLine) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO order_lines (order_id, line_number, offer_id, quantity, friendly_name,
		partner_id, term_duration, subscription_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		orderID, l.LineNumber, l.OfferID, l.Quantity, l.FriendlyName, l.PartnerID, l.TermDuration, l.SubscriptionID)
	return err
}

func (tx *Tx) newSubscription(accountID, customerID, orderID, billingCycle string, l OrderLine) Subscription {
	s := Subscription{
		ID: tx.newID(), AccountID: accountID, CustomerID: customerID, OrderID: orderID,
		OfferID: l.Offer.ID, OfferName: l.Offer.Name, FriendlyName: l.FriendlyName, Quantity: l.Quantity,
		Status: Active, AutoRenew: true, BillingCycle: billingCycle, IsTrial: l.Offer.IsTrial, NCE: l.Offer.NCE,
		PartnerID: l.PartnerID, ETag: tx.newETag(), CreatedAt: tx.now,
	}
	if s.FriendlyName == "" {
		s.FriendlyName = l.Offer.Name
	}
	s.CommitmentEnd = s.CreatedAt.AddDate(1, 0, 0)
	if s.NCE {
		s.TermDuration = l.TermDuration
		s.CommitmentEnd = TermEnd(s.CreatedAt, l.TermDuration)
	}
	return s
}

// TermEnd is the end of a term such as P1M or P3Y that starts at start
// (one year for a term it cannot read).
func TermEnd(start time.Time, term string) time.Time {
	var n int
	var unit byte
	if _, err := fmt.Sscanf(term, "P%d%c", &n, &unit); err == nil && n > 0 {
		switch unit {
		case 'M':
			return start.AddDate(0, n, 0)
		case 'Y':
			return start.AddDate(n, 0, 0)
		case 'D':
			return start.AddDate(0, 0, n)
		}
	}
	return start.AddDate(1, 0, 0)
}

func (tx *Tx) insertSubscription(ctx context.Context, s Subscription) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO subscriptions (id, account_id, customer_id, order_id, offer_id, offer_name,
		friendly_name, quantity, status, auto_renew, billing_cycle, term_duration, is_trial, nce, partner_id, etag,
		created_at, commitment_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.AccountID, s.CustomerID, s.OrderID, s.OfferID, s.OfferName, s.FriendlyName, s.Quantity, s.Status,
		s.AutoRenew, s.BillingCycle, s.TermDuration, s.IsTrial, s.NCE, s.PartnerID, s.ETag,
		s.CreatedAt.UnixNano(), s.CommitmentEnd.UnixNano())
	return err
}

// Orders lists a customer's orders in creation order.
func (s *Store) Orders(ctx context.Context, accountID, customerID string) ([]Order, error) {
	return s.orders(ctx, s.rdb, accountID, customerID, "")
}

// OrderByID reads one order of a customer.
func (s *Store) OrderByID(ctx context.Context, accountID, customerID, orderID string) (Order, error) {
	list, err := s.orders(ctx, s.rdb, accountID, customerID, lower(orderID))
	if err != nil {
		return Order{}, err
	}
	if len(list) == 0 {
		return Order{}, &NotFoundError{Kind: "order", ID: orderID}
	}
	return list[0], nil
}

// orders reads a customer's orders (one when orderID is set), customer
// first: an unknown customer is a NotFoundError.
func (s *Store) orders(ctx context.Context, q querier, accountID, customerID, orderID string) ([]Order, error) {
	if _, err := queryCustomer(ctx, q, accountID, customerID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.billing_cycle, o.etag, o.created_at, l.line_number, l.offer_id,
			l.quantity, l.friendly_name, l.partner_id, l.term_duration, l.subscription_id
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.account_id = ? AND o.customer_id = ? AND (? = '' OR o.id = ?)
		ORDER BY o.seq, l.line_number`, accountID, lower(customerID), orderID, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		var l OrderLine
		var created int64
		if err := rows.Scan(&o.ID, &o.BillingCycle, &o.ETag, &created, &l.LineNumber, &l.OfferID, &l.Quantity,
			&l.FriendlyName, &l.PartnerID, &l.TermDuration, &l.SubscriptionID); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != o.ID {
			o.AccountID, o.CustomerID, o.CreatedAt = accountID, lower(customerID), time.Unix(0, created).UTC()
			out = append(out, o)
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out, rows.Err()
}

const subscriptionColumns = `id, account_id, customer_id, order_id, offer_id, offer_name, friendly_name, quantity,
	status, auto_renew, billing_cycle, term_duration, is_trial, nce, partner_id, etag, created_at, commitment_end`

func scanSubscription(row rowScanner) (Subscription, error) {
	var s Subscription
	var created, end int64
	err := row.Scan(&s.ID, &s.AccountID, &s.CustomerID, &s.OrderID, &s.OfferID, &s.OfferName, &s.FriendlyName,
		&s.Quantity, &s.Status, &s.AutoRenew, &s.BillingCycle, &s.TermDuration, &s.IsTrial, &s.NCE, &s.PartnerID,
		&s.ETag, &created, &end)
	s.CreatedAt, s.CommitmentEnd = time.Unix(0, created).UTC(), time.Unix(0, end).UTC()
	return s, err
}

// SubscriptionFilter narrows a subscription listing; empty fields match all.
type SubscriptionFilter struct {
	PartnerID string // partner of record (?mpn_id=)
	OrderID   string
}

// Subscriptions lists a customer's subscriptions in creation order.
func (s *Store) Subscriptions(ctx context.Context, accountID, customerID string, f SubscriptionFilter) ([]Subscription, error) {
	if _, err := s.CustomerByID(ctx, accountID, customerID); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE account_id = ? AND customer_id = ? AND (? = '' OR partner_id = ?) AND (? = '' OR order_id = ?)
		ORDER BY seq`, accountID, lower(customerID), f.PartnerID, f.PartnerID, lower(f.OrderID), lower(f.OrderID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// SubscriptionByID reads one subscription of a customer, customer first.
func (s *Store) SubscriptionByID(ctx context.Context, accountID, customerID, subscriptionID string) (Subscription, error) {
	return querySubscription(ctx, s.rdb, accountID, customerID, subscriptionID)
}

func querySubscription(ctx context.Context, q querier, accountID, customerID, subscriptionID string) (Subscription, error) {
	if _, err := queryCustomer(ctx, q, accountID, customerID); err != nil {
		return Subscription{}, err
	}
	sub, err := scanSubscription(q.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE account_id = ? AND customer_id = ? AND id = ?`, accountID, lower(customerID), lower(subscriptionID)))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, &NotFoundError{Kind: "subscription", ID: subscriptionID}
	}
	return sub, err
}

// ActiveSubscriptionsError: a customer with active subscriptions cannot be
// deleted (SPEC §11.6, 600006).
type ActiveSubscriptionsError struct{ IDs []string }

func (e *ActiveSubscriptionsError) Error() string {
	return "active subscriptions: " + strings.Join(e.IDs, ", ")
}

// activeSubscriptionIDs lists a customer's active subscriptions.
func (tx *Tx) activeSubscriptionIDs(ctx context.Context, customerID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM subscriptions WHERE customer_id = ? AND status = 'active' ORDER BY seq`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

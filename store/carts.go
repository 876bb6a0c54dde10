package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// Cart statuses.
const (
	CartActive  = "Active"
	CartOrdered = "Ordered"
)

// cartLifetime is how long a cart lives (expirationTimestamp).
const cartLifetime = 7 * 24 * time.Hour

// Participant is a cart line's participant, such as the transaction reseller.
type Participant struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// CartLine is one line of a cart, kept as the client sent it.
type CartLine struct {
	ID            string        `json:"id"`
	CatalogItemID string        `json:"catalogItemId"`
	Offer         *Offer        `json:"offer"` // nil: not in the catalog
	FriendlyName  string        `json:"friendlyName"`
	Quantity      int           `json:"quantity"`
	BillingCycle  string        `json:"billingCycle"`
	TermDuration  string        `json:"termDuration"`
	Participants  []Participant `json:"participants"`
	PartnerID     string        `json:"partnerId"` // the transaction_reseller participant
	CurrencyCode  string        `json:"currencyCode"`
	OrderGroup    string        `json:"orderGroup"`
}

// Cart is a customer's cart.
type Cart struct {
	ID         string
	AccountID  string
	CustomerID string
	Status     string
	Lines      []CartLine
	CreatedAt  time.Time
	ModifiedAt time.Time
	ExpiresAt  time.Time
}

// CartOrderedError: a cart that was checked out cannot change (800065).
type CartOrderedError struct{ CartID string }

func (e *CartOrderedError) Error() string { return "cart " + e.CartID + " was already checked out" }

// CheckoutFailure is why a checkout placed no order: the line and the cart
// error code (10009 sandbox limit, 10015 seats per subscription).
type CheckoutFailure struct {
	Line int
	Code int
	Err  error
}

// checkCartLines applies the references of a cart body: offers, then the
// transaction resellers (SPEC §11.3); quantities are checked too (2002).
func (tx *Tx) checkCartLines(ctx context.Context, a Account, lines []CartLine) error {
	for i, l := range lines {
		if l.Offer == nil {
			return &LineError{i, &UnknownOfferError{l.CatalogItemID}}
		}
		if l.Quantity < l.Offer.MinimumQuantity || l.Quantity > l.Offer.MaximumQuantity {
			return &LineError{i, &QuantityRangeError{OfferID: l.Offer.ID, Quantity: l.Quantity, Min: l.Offer.MinimumQuantity, Max: l.Offer.MaximumQuantity}}
		}
	}
	for i, l := range lines {
		if err := tx.checkPartner(ctx, a, l.PartnerID); err != nil {
			return &LineError{i, err}
		}
	}
	return nil
}

// CreateCart creates a cart for a customer of account.
func (tx *Tx) CreateCart(ctx context.Context, accountID, customerID string, lines []CartLine) (Cart, error) {
	a, c, err := tx.accountCustomer(ctx, accountID, customerID)
	if err != nil {
		return Cart{}, err
	}
	if err := tx.checkCartLines(ctx, a, lines); err != nil {
		return Cart{}, err
	}
	cart := Cart{ID: tx.newID(), AccountID: a.ID, CustomerID: c.ID, Status: CartActive, Lines: lines,
		CreatedAt: tx.now, ModifiedAt: tx.now, ExpiresAt: tx.now.Add(cartLifetime)}
	data, err := json.Marshal(cart.Lines)
	if err != nil {
		return Cart{}, err
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO carts (id, account_id, customer_id, status, line_items, created_at, modified_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cart.ID, cart.AccountID, cart.CustomerID, cart.Status, string(data),
		cart.CreatedAt.UnixNano(), cart.ModifiedAt.UnixNano(), cart.ExpiresAt.UnixNano())
	return cart, err
}

func queryCart(ctx context.Context, q querier, accountID, customerID, cartID string) (Cart, error) {
	if _, err := queryCustomer(ctx, q, accountID, customerID); err != nil {
		return Cart{}, err
	}
	var c Cart
	var data string
	var created, modified, expires int64
	err := q.QueryRowContext(ctx, `SELECT id, account_id, customer_id, status, line_items, created_at, modified_at, expires_at
		FROM carts WHERE account_id = ? AND customer_id = ? AND id = ?`, accountID, lower(customerID), lower(cartID)).
		Scan(&c.ID, &c.AccountID, &c.CustomerID, &c.Status, &data, &created, &modified, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Cart{}, &NotFoundError{Kind: "cart", ID: cartID}
	}
	if err != nil {
		return Cart{}, err
	}
	if err := json.Unmarshal([]byte(data), &c.Lines); err != nil {
		return Cart{}, fmt.Errorf("cart %s lines: %w", c.ID, err)
	}
	c.CreatedAt, c.ModifiedAt, c.ExpiresAt = time.Unix(0, created).UTC(), time.Unix(0, modified).UTC(), time.Unix(0, expires).UTC()
	return c, nil
}

// CartByID reads one cart of a customer, customer first.
func (s *Store) CartByID(ctx context.Context, accountID, customerID, cartID string) (Cart, error) {
	return queryCart(ctx, s.rdb, accountID, customerID, cartID)
}

// ReplaceCartLines is PUT of a cart: new lines for an Active cart.
func (tx *Tx) ReplaceCartLines(ctx context.Context, accountID, customerID, cartID string, lines []CartLine) (Cart, error) {
	cart, err := queryCart(ctx, tx.tx, accountID, customerID, cartID)
	if err != nil {
		return Cart{}, err
	}
	if cart.Status == CartOrdered {
		return Cart{}, &CartOrderedError{cart.ID}
	}
	a, err := tx.account(ctx, accountID)
	if err != nil {
		return Cart{}, err
	}
	if err := tx.checkCartLines(ctx, a, lines); err != nil {
		return Cart{}, err
	}
	data, err := json.Marshal(lines)
	if err != nil {
		return Cart{}, err
	}
	cart.Lines, cart.ModifiedAt = lines, tx.now
	_, err = tx.tx.ExecContext(ctx, `UPDATE carts SET line_items = ?, modified_at = ? WHERE id = ?`, string(data), tx.now.UnixNano(), cart.ID)
	return cart, err
}

// CheckoutCart turns all of a cart's lines into one order (one
// subscription per line) or, if a sandbox rule refuses a line, into none:
// then the failure says why and the cart stays Active.
func (tx *Tx) CheckoutCart(ctx context.Context, accountID, customerID, cartID string) (Order, []Subscription, *CheckoutFailure, error) {
	cart, err := queryCart(ctx, tx.tx, accountID, customerID, cartID)
	if err != nil {
		return Order{}, nil, nil, err
	}
	if cart.Status == CartOrdered {
		return Order{}, nil, nil, &CartOrderedError{cart.ID}
	}
	a, err := tx.account(ctx, accountID)
	if err != nil {
		return Order{}, nil, nil, err
	}
	in := NewOrder{BillingCycle: "monthly"}
	for i, l := range cart.Lines {
		if i == 0 {
			in.BillingCycle = l.BillingCycle
		}
		in.Lines = append(in.Lines, OrderLine{LineNumber: i, OfferID: l.Offer.ID, Offer: l.Offer, Quantity: l.Quantity,
			FriendlyName: l.FriendlyName, PartnerID: l.PartnerID, TermDuration: l.TermDuration})
	}
	if err := tx.checkSandboxRules(ctx, a, cart.CustomerID, in.Lines); err != nil {
		var le *LineError
		errors.As(err, &le)
		code := 10009 // SandboxLimitExceeded: rules 1 and 4
		var ex *limits.ExceededError
		var rng *QuantityRangeError
		if (errors.As(err, &ex) && ex.Kind == limits.LicensesPerSubscription) || errors.As(err, &rng) {
			code = 10015 // seats per subscription: rule 3
		}
		return Order{}, nil, &CheckoutFailure{Line: le.Line, Code: code, Err: le.Err}, nil
	}
	order, subs, err := tx.insertOrder(ctx, a.ID, cart.CustomerID, in)
	if err != nil {
		return Order{}, nil, nil, err
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE carts SET status = ?, modified_at = ? WHERE id = ?`, CartOrdered, tx.now.UnixNano(), cart.ID)
	return order, subs, nil, err
}

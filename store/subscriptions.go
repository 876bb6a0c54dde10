package store

import (
	"context"
	"strings"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// SubscriptionPatch is a full-resource PATCH of a subscription (SPEC §11.4),
// already read: zero values mean "unchanged" except AutoRenew, which is
// applied as sent.
type SubscriptionPatch struct {
	Quantity     int    // 0: unchanged
	Status       string // "": unchanged; else active, suspended or deleted
	FriendlyName string // "": unchanged
	AutoRenew    bool
	PartnerID    string // "": unchanged
	IfMatch      string // "": no precondition; "*" matches anything
	// Offer finds the catalog offer of the subscription (nil if it has left
	// the catalog, which skips the quantity-range rule).
	Offer func(offerID string) *Offer
}

// ETagMismatchError: If-Match names another version (2055).
type ETagMismatchError struct{ Sent, Current string }

func (e *ETagMismatchError) Error() string {
	return "etag " + e.Sent + " is not the current " + e.Current
}

// SubscriptionStateError: the change is not allowed in the subscription's
// state (2011 deleted, 800091 quantity while suspended, 800090 cancel).
type SubscriptionStateError struct {
	ID     string
	Reason SubscriptionStateReason
}

// SubscriptionStateReason says which state rule refused a PATCH.
type SubscriptionStateReason int

const (
	SubscriptionDeleted    SubscriptionStateReason = iota // 400 2011
	QuantityWhileSuspended                                // 400 800091
	CancelNotAllowed                                      // 400 800090: legacy offer, or the NCE 7-day window is over
)

func (e *SubscriptionStateError) Error() string {
	return "subscription " + e.ID + ": change not allowed in its state"
}

// cancelWindow is how long after creation an NCE subscription may be
// cancelled (deleted).
const cancelWindow = 7 * 24 * time.Hour

// PatchSubscription changes a subscription. Checks run in SPEC §11.4 order.
func (tx *Tx) PatchSubscription(ctx context.Context, accountID, customerID, subscriptionID string, p SubscriptionPatch) (Subscription, error) {
	sub, err := querySubscription(ctx, tx.tx, accountID, customerID, subscriptionID)
	if err != nil {
		return Subscription{}, err
	}
	if p.IfMatch != "" && p.IfMatch != "*" && strings.Trim(p.IfMatch, `"`) != sub.ETag {
		return Subscription{}, &ETagMismatchError{Sent: p.IfMatch, Current: sub.ETag}
	}
	if sub.Status == Deleted {
		return Subscription{}, &SubscriptionStateError{sub.ID, SubscriptionDeleted}
	}
	next := sub
	if p.Status != "" {
		next.Status = p.Status
	}
	if p.Quantity != 0 {
		next.Quantity = p.Quantity
	}
	if next.Quantity != sub.Quantity && sub.Status == Suspended && next.Status == Suspended {
		return Subscription{}, &SubscriptionStateError{sub.ID, QuantityWhileSuspended}
	}
	if next.Status == Deleted && sub.Status != Deleted && (!sub.NCE || tx.now.Sub(sub.CreatedAt) > cancelWindow) {
		return Subscription{}, &SubscriptionStateError{sub.ID, CancelNotAllowed}
	}
	a, err := tx.account(ctx, accountID)
	if err != nil {
		return Subscription{}, err
	}
	if p.PartnerID != "" {
		if err := tx.checkPartner(ctx, a, p.PartnerID); err != nil {
			return Subscription{}, err
		}
		next.PartnerID = p.PartnerID
	}
	if next.Quantity != sub.Quantity {
		if o := p.Offer(sub.OfferID); o != nil && (next.Quantity < o.MinimumQuantity || next.Quantity > o.MaximumQuantity) {
			return Subscription{}, &QuantityRangeError{OfferID: o.ID, Quantity: next.Quantity, Min: o.MinimumQuantity, Max: o.MaximumQuantity}
		}
		if err := limits.Check(limits.LicensesPerSubscription, next.Quantity, a.Limits.LicensesPerSubscription); err != nil {
			return Subscription{}, err
		}
	}
	if next.Status == Active && sub.Status != Active {
		active, err := tx.activeSubscriptions(ctx, sub.CustomerID, sub.ID)
		if err != nil {
			return Subscription{}, err
		}
		if err := limits.Check(limits.SubscriptionsPerCustomer, active+1, a.Limits.SubscriptionsPerCustomer); err != nil {
			return Subscription{}, err
		}
	}
	if p.FriendlyName != "" {
		next.FriendlyName = p.FriendlyName
	}
	next.AutoRenew = p.AutoRenew
	next.ETag = tx.newETag()
	_, err = tx.tx.ExecContext(ctx, `UPDATE subscriptions SET quantity = ?, status = ?, friendly_name = ?, auto_renew = ?,
		partner_id = ?, etag = ? WHERE id = ?`, next.Quantity, next.Status, next.FriendlyName, next.AutoRenew,
		next.PartnerID, next.ETag, sub.ID)
	return next, err
}

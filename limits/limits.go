// Package limits is the sandbox quota policy: which limits exist, their
// defaults per account kind, and whether a proposed use exceeds one. It does
// no I/O; the store counts usage inside its write transactions and asks here.
package limits

import "fmt"

// Kind names one limit. The values are the JSON property names of SPEC §5.
type Kind string

const (
	Resellers                Kind = "resellers"
	Customers                Kind = "customers"
	SubscriptionsPerCustomer Kind = "subscriptionsPerCustomer"
	LicensesPerSubscription  Kind = "licensesPerSubscription"
)

// MaxValue is the largest value a limit may be set to (SPEC §5: 0–10000).
const MaxValue = 10000

// Limits holds one account's limits. A nil field means "no limit".
type Limits struct {
	Resellers                *int
	Customers                *int
	SubscriptionsPerCustomer *int
	LicensesPerSubscription  *int
}

// SandboxDefaults are the integration sandbox's documented caps:
// 5 live resellers, 75 customers, 5 active subscriptions per customer and
// 25 licenses per subscription.
func SandboxDefaults() Limits {
	return Limits{
		Resellers:                ptr(5),
		Customers:                ptr(75),
		SubscriptionsPerCustomer: ptr(5),
		LicensesPerSubscription:  ptr(25),
	}
}

// PrimaryDefaults are a primary (production-like) account's limits: none.
func PrimaryDefaults() Limits { return Limits{} }

// Get returns the limit of the given kind (nil: unlimited).
func (l Limits) Get(k Kind) *int {
	switch k {
	case Resellers:
		return l.Resellers
	case Customers:
		return l.Customers
	case SubscriptionsPerCustomer:
		return l.SubscriptionsPerCustomer
	case LicensesPerSubscription:
		return l.LicensesPerSubscription
	}
	return nil
}

// Check reports whether a use of want units of kind fits under max (nil:
// unlimited). want is the use the write would leave behind: the live count
// after an insert, or the quantity asked for.
func Check(kind Kind, want int, max *int) error {
	if max == nil || want <= *max {
		return nil
	}
	return &ExceededError{Kind: kind, Want: want, Max: *max}
}

// ExceededError says a write would take a limit past its maximum.
type ExceededError struct {
	Kind Kind
	Want int // the use the write asked for
	Max  int
}

func (e *ExceededError) Error() string {
	return fmt.Sprintf("limit %s exceeded: %d requested, at most %d allowed", e.Kind, e.Want, e.Max)
}

// Validate checks a value someone wants to set a limit to.
func Validate(kind Kind, v *int) error {
	if v != nil && (*v < 0 || *v > MaxValue) {
		return fmt.Errorf("%s must be between 0 and %d, or null for no limit", kind, MaxValue)
	}
	return nil
}

func ptr(v int) *int { return &v }

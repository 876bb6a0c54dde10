package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// AccountKind is "sandbox" (an integration sandbox account) or "primary".
type AccountKind string

const (
	Sandbox AccountKind = "sandbox"
	Primary AccountKind = "primary"
)

// Address is a postal address as Partner Center profiles carry it.
type Address struct {
	Country      string `json:"country,omitempty"`
	Region       string `json:"region,omitempty"`
	City         string `json:"city,omitempty"`
	State        string `json:"state,omitempty"`
	AddressLine1 string `json:"addressLine1,omitempty"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	AddressLine3 string `json:"addressLine3,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// Contact is a person to reach at a company.
type Contact struct {
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// LegalBusinessProfile is a reseller's legal entity.
type LegalBusinessProfile struct {
	CompanyName    string  `json:"companyName,omitempty"`
	Address        Address `json:"address"`
	PrimaryContact Contact `json:"primaryContact"`
	Culture        string  `json:"culture,omitempty"`
}

// Account is a provider tenant: the partner whose credentials call the API.
type Account struct {
	ID      string // tenant id, lower-case GUID
	Name    string
	Domain  string
	Kind    AccountKind
	MpnID   string
	Country string
	Email   string
	Address Address
	Limits  limits.Limits
}

// App is an app registration of an account.
type App struct {
	AppID string
	Key   string
}

// User is a user of an account's tenant.
type User struct {
	UPN      string
	Password string
	ObjectID string
}

// Token is a static bearer token that maps to an account (or a reseller).
type Token struct {
	Token      string
	UserUPN    string // empty for app-only tokens
	AppID      string
	AppOnly    bool
	ResellerID string // set when the token signs in as a reseller
}

// Principal is who a bearer token speaks for.
type Principal struct {
	Account  Account
	UPN      string
	ObjectID string
	AppID    string
	AppOnly  bool // an application-only token: no user
	// Reseller is set when the caller is a sandbox reseller's admin: Account
	// is then its provider's, and the caller sees only its own customers.
	Reseller *Reseller
}

// TenantID is the caller's own tenant: the reseller's for a reseller
// caller, else the account's.
func (p Principal) TenantID() string {
	if p.Reseller != nil {
		return p.Reseller.ID
	}
	return p.Account.ID
}

// Reseller is a sandbox indirect reseller of an account.
type Reseller struct {
	ID            string // the reseller's tenant id
	AccountID     string
	MpnID         string
	DomainPrefix  string // as sent
	Name          string // legalBusinessProfile.companyName
	Country       string // tenant.country, upper-case
	Culture       string
	Language      string
	AdminUserName string
	Password      string
	LegalProfile  LegalBusinessProfile
	AgreementID   string // id of the agreement signature made at creation
	CreatedAt     time.Time
	DeletedAt     *time.Time
}

// Domain is the reseller tenant's domain name.
func (r Reseller) Domain() string { return r.DomainPrefix + ".onmicrosoft.com" }

// AdminUserAccount is the UPN of the reseller tenant's admin user.
func (r Reseller) AdminUserAccount() string { return r.AdminUserName + "@" + r.Domain() }

// Sentinel errors. Handlers match them with errors.Is / errors.As.
var (
	// ErrNotFound: no such resource in the caller's account.
	ErrNotFound = errors.New("not found")
	// ErrIdempotencyMismatch: an MS-RequestId reused for a different body.
	ErrIdempotencyMismatch = errors.New("request id already used for a different request")
	// ErrResellerNotLive: a reseller's credentials after it was deleted (or
	// removed by a reset or restore).
	ErrResellerNotLive = errors.New("the reseller is not live")
)

// NotFoundError: no resource of that kind and id in the caller's account.
// It matches ErrNotFound.
type NotFoundError struct{ Kind, ID string }

func (e *NotFoundError) Error() string        { return fmt.Sprintf("%s %s not found", e.Kind, e.ID) }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// DomainTakenError: a tenant domain that another tenant already holds.
type DomainTakenError struct{ Domain string }

func (e *DomainTakenError) Error() string { return fmt.Sprintf("domain %s is already taken", e.Domain) }

// PartnerCountryError: a PartnerID already bound to live resellers of
// another country in the same account.
type PartnerCountryError struct {
	MpnID, Country, BoundCountry string
}

func (e *PartnerCountryError) Error() string {
	return fmt.Sprintf("PartnerID %s is used by resellers in %s, not %s", e.MpnID, e.BoundCountry, e.Country)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// NewReseller is what creating a sandbox indirect reseller needs.
type NewReseller struct {
	MpnID         string
	DomainPrefix  string
	Country       string // upper-case
	Culture       string
	Language      string
	AdminUserName string
	LegalProfile  LegalBusinessProfile
}

// CreateReseller creates a sandbox indirect reseller of account. Checks run
// in SPEC §2.7 order: the domain (DomainTakenError), the PartnerID's country
// binding (PartnerCountryError), then the reseller limit
// (*limits.ExceededError).
func (tx *Tx) CreateReseller(ctx context.Context, accountID string, in NewReseller) (Reseller, error) {
	a, err := tx.account(ctx, accountID)
	if err != nil {
		return Reseller{}, err
	}
	r := Reseller{
		ID:            tx.newID(),
		AccountID:     a.ID,
		MpnID:         in.MpnID,
		DomainPrefix:  in.DomainPrefix,
		Name:          in.LegalProfile.CompanyName,
		Country:       in.Country,
		Culture:       in.Culture,
		Language:      in.Language,
		AdminUserName: in.AdminUserName,
		LegalProfile:  in.LegalProfile,
		AgreementID:   tx.newID(),
		CreatedAt:     tx.now,
	}
	r.Password = tx.newPassword()

	if err := tx.takeDomain(ctx, r.Domain(), a.ID, "reseller", r.ID); err != nil {
		return Reseller{}, err
	}
	var bound string
	err = tx.tx.QueryRowContext(ctx, `
		SELECT country FROM resellers
		WHERE account_id = ? AND deleted_at IS NULL AND mpn_id = ? AND country <> ? LIMIT 1`,
		a.ID, r.MpnID, r.Country).Scan(&bound)
	if err == nil {
		return Reseller{}, &PartnerCountryError{MpnID: r.MpnID, Country: r.Country, BoundCountry: bound}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Reseller{}, err
	}
	var live int
	if err := tx.tx.QueryRowContext(ctx,
		`SELECT count(*) FROM resellers WHERE account_id = ? AND deleted_at IS NULL`, a.ID).Scan(&live); err != nil {
		return Reseller{}, err
	}
	if err := limits.Check(limits.Resellers, live+1, a.Limits.Resellers); err != nil {
		return Reseller{}, err
	}
	if err := tx.insertReseller(ctx, r); err != nil {
		return Reseller{}, err
	}
	return r, nil
}

func (tx *Tx) insertReseller(ctx context.Context, r Reseller) error {
	legal, err := json.Marshal(r.LegalProfile)
	if err != nil {
		return err
	}
	var deleted any
	if r.DeletedAt != nil {
		deleted = r.DeletedAt.UnixNano()
	}
	_, err = tx.tx.ExecContext(ctx, `
		INSERT INTO resellers (id, account_id, mpn_id, domain_prefix, name, country, culture, language,
			admin_user_name, password, legal_profile, agreement_id, created_at, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.AccountID, r.MpnID, r.DomainPrefix, r.Name, r.Country, r.Culture, r.Language,
		r.AdminUserName, r.Password, string(legal), r.AgreementID, r.CreatedAt.UnixNano(), deleted)
	if isUnique(err) {
		return fmt.Errorf("reseller id %s already exists: %w", r.ID, err)
	}
	return err
}

// DeleteReseller deletes a live reseller of account, freeing its slot and
// its domain. Deleting one this account already deleted succeeds again;
// any other id is ErrNotFound; one that still has customers is
// ResellerHasCustomersError.
func (tx *Tx) DeleteReseller(ctx context.Context, accountID, resellerID string) error {
	var deleted sql.NullInt64
	err := tx.tx.QueryRowContext(ctx, `SELECT deleted_at FROM resellers WHERE account_id = ? AND id = ?`,
		accountID, lower(resellerID)).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return &NotFoundError{Kind: "sandbox indirect reseller", ID: resellerID}
	}
	if err != nil || deleted.Valid {
		return err
	}
	var customers int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE account_id = ? AND reseller_id = ?`,
		accountID, lower(resellerID)).Scan(&customers); err != nil {
		return err
	}
	if customers > 0 {
		return &ResellerHasCustomersError{ResellerID: lower(resellerID), Customers: customers}
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE resellers SET deleted_at = ? WHERE id = ?`,
		tx.now.UnixNano(), lower(resellerID)); err != nil {
		return err
	}
	return tx.releaseDomains(ctx, lower(resellerID))
}

const resellerColumns = `id, account_id, mpn_id, domain_prefix, name, country, culture, language,
	admin_user_name, password, legal_profile, agreement_id, created_at, deleted_at`

func scanReseller(row rowScanner) (Reseller, error) {
	var r Reseller
	var legal string
	var created int64
	var deleted sql.NullInt64
	if err := row.Scan(&r.ID, &r.AccountID, &r.MpnID, &r.DomainPrefix, &r.Name, &r.Country, &r.Culture,
		&r.Language, &r.AdminUserName, &r.Password, &legal, &r.AgreementID, &created, &deleted); err != nil {
		return Reseller{}, err
	}
	if err := json.Unmarshal([]byte(legal), &r.LegalProfile); err != nil {
		return Reseller{}, fmt.Errorf("reseller %s legal profile: %w", r.ID, err)
	}
	r.CreatedAt = time.Unix(0, created).UTC()
	if deleted.Valid {
		t := time.Unix(0, deleted.Int64).UTC()
		r.DeletedAt = &t
	}
	return r, nil
}

// LiveResellers lists an account's live resellers in creation order.
func (s *Store) LiveResellers(ctx context.Context, accountID string) ([]Reseller, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+resellerColumns+` FROM resellers
		WHERE account_id = ? AND deleted_at IS NULL ORDER BY seq`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reseller
	for rows.Next() {
		r, err := scanReseller(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResellerByID reads a reseller of any account, live or deleted.
func (s *Store) ResellerByID(ctx context.Context, id string) (Reseller, error) {
	r, err := scanReseller(s.rdb.QueryRowContext(ctx, `SELECT `+resellerColumns+` FROM resellers WHERE id = ?`, lower(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return Reseller{}, &NotFoundError{Kind: "sandbox indirect reseller", ID: id}
	}
	return r, err
}

// ResellerByAdmin finds the live reseller whose admin user is upn
// ({adminUserName}@{domainPrefix}.onmicrosoft.com, any case).
func (s *Store) ResellerByAdmin(ctx context.Context, upn string) (Reseller, error) {
	name, domain, _ := strings.Cut(lower(upn), "@")
	prefix, ok := strings.CutSuffix(domain, ".onmicrosoft.com")
	if !ok || name == "" {
		return Reseller{}, &NotFoundError{Kind: "reseller admin", ID: upn}
	}
	r, err := scanReseller(s.rdb.QueryRowContext(ctx, `SELECT `+resellerColumns+` FROM resellers
		WHERE lower(domain_prefix) = ? AND lower(admin_user_name) = ? AND deleted_at IS NULL`, prefix, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Reseller{}, &NotFoundError{Kind: "reseller admin", ID: upn}
	}
	return r, err
}

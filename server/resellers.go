package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

// valueAddedResellerAgreementID is the one agreement every sandbox reseller
// signs at creation (the id of the documented example).
const valueAddedResellerAgreementID = "1e18c5b2-e42a-4b84-82c8-d0155aa94c6e"

var (
	domainPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,27}$`)
	countryPattern      = regexp.MustCompile(`^[A-Za-z]{2}$`)
	userNamePattern     = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	emailPattern        = regexp.MustCompile(`^[^@\s]+@[^@\s]*\.[^@\s]*$`)
)

// createReseller is POST /v1/sandboxIndirectReseller (SPEC §3.1).
func (s *Server) createReseller(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		in, err := parseNewReseller(req.body)
		if err != nil {
			return fail(ctx, err)
		}
		res, err := tx.CreateReseller(ctx, req.principal.Account.ID, in)
		if err != nil {
			return fail(ctx, err)
		}
		return jsonResponse(http.StatusCreated, newResellerCreated(res, req.principal))
	})
}

func newResellerCreated(res store.Reseller, caller store.Principal) resellerCreated {
	return resellerCreated{
		AccountID: res.ID,
		MpnID:     res.MpnID,
		Tenant: resellerTenant{
			ID:               res.ID,
			AdminUserAccount: res.AdminUserAccount(),
			Password:         res.Password,
		},
		AgreementSignature: agreementSignature{
			ID:                        res.AgreementID,
			AccountID:                 res.ID,
			AgreementID:               valueAddedResellerAgreementID,
			AgreementType:             "ValueAddedReseller",
			DateSigned:                pcTime(res.CreatedAt),
			SignedByFirstName:         caller.UPN,
			SignedByUserPrincipalName: caller.UPN,
			SignedByUserObjectID:      caller.ObjectID,
			SignedByUserTenantID:      caller.Account.ID,
			Attributes:                attributes{"AgreementSignatureResponse"},
		},
		PartnerRelationship: partnerRelationship{
			ID:               caller.Account.ID,
			Name:             caller.Account.Name,
			RelationshipType: "is_indirect_reseller_of",
			State:            "Active",
			MpnID:            res.MpnID,
			Attributes:       attributes{"PartnerRelationshipResponse"},
		},
	}
}

// parseNewReseller validates a reseller create body, field by field in the
// documented order; the first problem answers.
func parseNewReseller(body []byte) (store.NewReseller, error) {
	var in store.NewReseller
	root, err := parseObject(body)
	if err != nil {
		return in, err
	}

	mpn, hasMpn, err := root.str("mpnId")
	if err != nil {
		return in, err
	}
	partnerID, hasPartnerID, err := root.str("partnerId")
	if err != nil {
		return in, err
	}
	switch {
	case hasMpn && hasPartnerID && mpn != partnerID:
		return in, badInput("$.mpnId (%q) and $.partnerId (%q) differ; send the reseller's PartnerID in one of them", mpn, partnerID)
	case !hasMpn && !hasPartnerID:
		return in, badInput("$.mpnId is required (or $.partnerId); send the reseller's PartnerID, 1-10 digits")
	case !hasMpn:
		mpn = partnerID
	}
	if !store.PartnerIDPattern.MatchString(mpn) {
		return in, badInput("$.mpnId must be a PartnerID of 1-10 digits, not %q", mpn)
	}
	in.MpnID = mpn

	tenant, err := root.requiredObj("tenant")
	if err != nil {
		return in, err
	}
	err = readStrings(tenant, []stringField{
		{name: "domainPrefix", dst: &in.DomainPrefix, format: domainPrefixPattern,
			want: "1-27 letters and digits (it becomes {domainPrefix}.onmicrosoft.com)"},
		{name: "name"},
		{name: "displayName"},
		{name: "adminUserName", dst: &in.AdminUserName, format: userNamePattern,
			want: "a user name of letters, digits, '.', '_' or '-' (it becomes {adminUserName}@{domainPrefix}.onmicrosoft.com)"},
		{name: "adminFirstName"},
		{name: "adminLastName"},
		{name: "adminAlternateEmail", aliases: []string{"adminAlernateEmail"}, format: emailPattern,
			want: "an email address such as admin@contoso.com"},
		{name: "country", dst: &in.Country, format: countryPattern, want: "a two-letter country code such as US"},
		{name: "culture", dst: &in.Culture},
	})
	if err != nil {
		return in, err
	}
	in.Country = strings.ToUpper(in.Country)

	if in.LegalProfile, err = parseLegalProfile(root); err != nil {
		return in, err
	}

	lang, err := organizationProfileLanguage(root)
	if err != nil {
		return in, err
	}
	in.Language = lang
	return in, nil
}

// stringField is a required string property of a request body, with an
// optional format it must match.
type stringField struct {
	name    string
	aliases []string
	dst     *string        // where to keep it (nil: checked, not kept)
	format  *regexp.Regexp // nil: any non-empty string
	want    string         // what format means, for the error
}

// readStrings reads fields in order; the first problem answers.
func readStrings(o object, fields []stringField) error {
	for _, f := range fields {
		v, err := o.requiredStr(f.name, f.aliases...)
		if err != nil {
			return err
		}
		if f.format != nil && !f.format.MatchString(v) {
			return badInput("%s must be %s, not %q", o.field(f.name), f.want, v)
		}
		if f.dst != nil {
			*f.dst = v
		}
	}
	return nil
}

func parseLegalProfile(root object) (store.LegalBusinessProfile, error) {
	var p store.LegalBusinessProfile
	legal, err := root.requiredObj("legalBusinessProfile")
	if err != nil {
		return p, err
	}
	if p.CompanyName, err = legal.requiredStr("companyName"); err != nil {
		return p, err
	}
	addr, err := legal.requiredObj("address")
	if err != nil {
		return p, err
	}
	err = readStrings(addr, []stringField{
		{name: "country", dst: &p.Address.Country, format: countryPattern, want: "a two-letter country code such as US"},
		{name: "city", dst: &p.Address.City},
		{name: "addressLine1", dst: &p.Address.AddressLine1},
		{name: "postalCode", dst: &p.Address.PostalCode},
	})
	if err != nil {
		return p, err
	}
	p.Address.Country = strings.ToUpper(p.Address.Country)
	if p.Address.State, _, err = addr.str("state"); err != nil {
		return p, err
	}
	if p.Address.AddressLine2, _, err = addr.str("addressLine2"); err != nil {
		return p, err
	}
	contact, err := legal.requiredObj("primaryContact")
	if err != nil {
		return p, err
	}
	err = readStrings(contact, []stringField{
		{name: "firstName", dst: &p.PrimaryContact.FirstName},
		{name: "lastName", dst: &p.PrimaryContact.LastName},
		{name: "email", dst: &p.PrimaryContact.Email, format: emailPattern, want: "an email address such as admin@contoso.com"},
		{name: "phoneNumber", dst: &p.PrimaryContact.PhoneNumber},
	})
	if err != nil {
		return p, err
	}
	if p.Culture, err = legal.requiredStr("culture"); err != nil {
		return p, err
	}
	return p, nil
}

// organizationProfileLanguage accepts a string or an object with "language".
func organizationProfileLanguage(root object) (string, error) {
	const field = "$.organizationProfileLanguage"
	v, ok := root.lookup("organizationProfileLanguage")
	if !ok {
		return "", badInput("%s is required; send a language code such as \"en\"", field)
	}
	if s, isString := v.(string); isString {
		if strings.TrimSpace(s) == "" || len(s) > 256 {
			return "", badInput("%s must be a language code such as \"en\"", field)
		}
		return s, nil
	}
	o, err := asObject(field, v)
	if err != nil {
		return "", badInput("%s must be a language code string such as \"en\" (or an object with \"language\"), not %s", field, jsonKind(v))
	}
	return o.requiredStr("language")
}

// deleteReseller is DELETE /v1/sandboxIndirectReseller/{resellerId} (SPEC §3.2).
func (s *Server) deleteReseller(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	id := pathParam(r, "resellerId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		if err := tx.DeleteReseller(ctx, req.principal.Account.ID, id); err != nil {
			return fail(ctx, err)
		}
		return store.Response{Status: http.StatusNoContent}
	})
}

// foldName folds case and drops "_", so IsIndirectResellerOf, is_indirect_reseller_of
// and isIndirectResellerOf compare equal (likewise starts_with and StartsWith).
func foldName(v string) string {
	return strings.ReplaceAll(strings.ToLower(v), "_", "")
}

const (
	kindProviderOf = "isindirectcloudsolutionproviderof"
	kindResellerOf = "isindirectresellerof"
)

// listRelationships is GET /v1/relationships (SPEC §3.3; a reseller
// caller's view: §12.2).
func (s *Server) listRelationships(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p := requestOf(r).principal
	relType := queryValue(q, "relationship_type")
	kind := foldName(relType)
	if relType == "" {
		relType, kind = "IsIndirectCloudSolutionProviderOf", kindProviderOf
		if p.Reseller != nil {
			relType, kind = "IsIndirectResellerOf", kindResellerOf
		}
	}
	if kind != kindProviderOf && kind != kindResellerOf {
		writeError(w, r, badInput("relationship_type %q is not supported; use IsIndirectCloudSolutionProviderOf (your indirect resellers) or IsIndirectResellerOf (your provider, for a reseller) in any case, with or without underscores", relType))
		return
	}
	match, err := parseNameFilter(queryValue(q, "filter"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	self := "/relationships?relationship_type=" + url.QueryEscape(relType)
	items := []partnerRelationship{}
	switch {
	case p.Reseller != nil && kind == kindResellerOf:
		a := p.Account
		if match(a.Name) {
			items = append(items, partnerRelationship{ID: a.ID, Name: a.Name, RelationshipType: "is_indirect_reseller_of",
				State: "Active", MpnID: a.MpnID, Location: a.Country, Attributes: attributes{"PartnerRelationship"}})
		}
	case p.Reseller == nil && kind == kindProviderOf:
		resellers, err := s.store.LiveResellers(r.Context(), p.Account.ID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		for _, res := range resellers {
			if !match(res.Name) {
				continue
			}
			items = append(items, partnerRelationship{
				ID:               res.ID,
				Name:             res.Name,
				RelationshipType: "is_indirect_cloud_solution_provider_of",
				State:            "Active",
				MpnID:            res.MpnID,
				Location:         res.Country,
				Attributes:       attributes{"PartnerRelationship"},
			})
		}
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, self))
}

// parseNameFilter reads the optional relationships filter: JSON with field
// Name and operator starts_with or substring (keys and operator any case).
func parseNameFilter(raw string) (func(name string) bool, error) {
	if raw == "" {
		return func(string) bool { return true }, nil
	}
	f, err := parseObject([]byte(raw))
	if err != nil {
		return nil, badInput("the filter query parameter must be URL-encoded JSON such as {\"Field\":\"Name\",\"Value\":\"Contoso\",\"Operator\":\"starts_with\"}")
	}
	field, _, err := f.str("field")
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(field, "Name") {
		return nil, badInput("filter field %q is not supported on relationships; use \"Name\"", field)
	}
	value, _, err := f.str("value")
	if err != nil {
		return nil, err
	}
	op, _, err := f.str("operator")
	if err != nil {
		return nil, err
	}
	value = strings.ToLower(value)
	switch foldName(op) {
	case "startswith":
		return func(name string) bool { return strings.HasPrefix(strings.ToLower(name), value) }, nil
	case "substring":
		return func(name string) bool { return strings.Contains(strings.ToLower(name), value) }, nil
	}
	return nil, badInput("filter operator %q is not supported on relationships; use starts_with or substring", op)
}

// queryValue reads a query parameter whose name matches case-insensitively.
func queryValue(q url.Values, name string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

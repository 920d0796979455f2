package configuration

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/secret"
)

// validate checks the value against the data type and seals secrets.
func (m *Module) validate(ctx context.Context, row *Configuration, isNew bool) error {
	if !codeRe.MatchString(row.Code) {
		return errs.Field("body.code", "must be 1-100 characters of A-Z 0-9 _ . : -", row.Code)
	}
	if row.Group == "" {
		row.Group = DefaultGroup
	}
	if isNew && row.OrganizerID == 0 {
		if p := auth.From(ctx); p != nil {
			row.OrganizerID = p.OrganizerID
		}
	}
	v := bytes.TrimSpace(row.Value)
	if len(v) == 0 {
		return errs.Field("body.value", "is required", nil)
	}
	var decoded any
	if err := json.Unmarshal(v, &decoded); err != nil {
		return errs.Field("body.value", "is not valid JSON", nil)
	}
	ok := true
	switch row.DataType {
	case Text:
		_, ok = decoded.(string)
	case Number:
		_, ok = decoded.(float64)
	case Boolean:
		_, ok = decoded.(bool)
	case JSON:
		ok = decoded != nil
	case Secret:
		s, isStr := decoded.(string)
		ok = isStr && s != ""
		if ok && !secret.IsSealed(s) {
			sealed, _ := json.Marshal(m.keys.Seal([]byte(s), aad(row)))
			row.Value = sealed
		}
	default:
		return errs.Field("body.dataType", "must be TEXT, NUMBER, BOOLEAN, JSON or SECRET", row.DataType)
	}
	if !ok {
		e := errs.Field("body.value", "does not match dataType "+string(row.DataType), nil)
		e.Err = ErrValueType
		return e
	}
	return nil
}

// redact hides sealed values.
func redact(_ context.Context, r *Configuration) {
	if r.DataType == Secret {
		r.Value = json.RawMessage("null")
		r.Sealed = true
	}
}

// open returns the plaintext of a SECRET row.
func (m *Module) open(row *Configuration) (string, error) {
	if row.DataType != Secret {
		return "", errs.Wrap(errs.Conflict, "configuration "+row.Code+" is not a SECRET", ErrNotSecret)
	}
	var sealed string
	if err := json.Unmarshal(row.Value, &sealed); err != nil {
		return "", errs.Wrap(errs.Internal, "configuration "+row.Code+" holds no sealed string", err)
	}
	pt, err := m.keys.Open(sealed, aad(row))
	if err != nil {
		return "", errs.Wrap(errs.Internal, "cannot open configuration "+row.Code, err)
	}
	return string(pt), nil
}

// Secret returns the plaintext of a SECRET setting: the merchant's own when it has one, else the
// organizer's, else ErrSecretNotFound. It is how payment and invoice load their credentials. It
// reads as the caller of ctx: code without one (a job, a webhook) says auth.System, else it gets
// auth.ErrNoPrincipal.
func (m *Module) Secret(ctx context.Context, organizerID id.ID, merchantID id.ID, code string) (string, error) {
	// Only this merchant's row and the organizer's own can match: at most two rows, whatever
	// else the organizer keeps under the code.
	where := map[string]any{"organizerId": organizerID.String(), "code": code, "dataType": string(Secret),
		"or": []any{map[string]any{"merchantId": merchantID.String()}, map[string]any{"merchantId": map[string]any{"isNull": true}}}}
	rows, err := m.table.Find(ctx, &query.Filter{Where: where, Limit: 2}, query.ExcludeDeleted)
	if err != nil {
		return "", err
	}
	var best *Configuration
	for i := range rows {
		r := &rows[i]
		if r.MerchantID != nil && *r.MerchantID == merchantID {
			best = r
			break
		}
		if r.MerchantID == nil {
			best = r
		}
	}
	if best == nil {
		return "", errs.Wrap(errs.NotFound, "no configuration "+code, ErrSecretNotFound)
	}
	return m.open(best)
}

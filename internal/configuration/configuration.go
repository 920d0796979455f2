// Package configuration owns the document's Configuration table: typed settings per organizer or
// merchant (payment credentials, invoice provider settings, feature switches). A SECRET value is
// sealed with AES-256-GCM before it is stored and never returned by the CRUD routes; the modules
// that need it (payment, invoice) read it through Module.Secret.
package configuration

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"regexp"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/secret"
	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bun"
)

// DataType is the type of a configuration value.
type DataType string

// Data types.
const (
	Text    DataType = "TEXT"
	Number  DataType = "NUMBER"
	Boolean DataType = "BOOLEAN"
	JSON    DataType = "JSON"
	Secret  DataType = "SECRET"
)

// Configuration is one setting.
type Configuration struct {
	bun.BaseModel `bun:"table:configurations" json:"-"`

	ID          id.ID           `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID           `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  *id.ID          `bun:"merchant_id" json:"merchantId,omitempty" doc:"Merchant the setting applies to; absent for organizer-wide settings"`
	Code        string          `bun:"code" json:"code" minLength:"1" maxLength:"100" pattern:"^[A-Z0-9_.:-]+$" doc:"Setting key, e.g. PAYMENT.VNPAY_QR_MMS"`
	Group       string          `bun:"group" json:"group,omitempty" maxLength:"50" doc:"Grouping for display, e.g. PAYMENT"`
	Description string          `bun:"description" json:"description,omitempty" maxLength:"500"`
	DataType    DataType        `bun:"data_type" json:"dataType" enum:"TEXT,NUMBER,BOOLEAN,JSON,SECRET"`
	Value       json.RawMessage `bun:"value,type:jsonb" json:"value" doc:"The value, of dataType. A SECRET is sent as a string, sealed at rest and returned as null."`
	CreatedAt   time.Time       `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time       `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time      `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
	// Sealed is true on SECRET rows as the API returns them: the value is withheld.
	Sealed bool `bun:"-" json:"sealed,omitempty" readOnly:"true"`
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// Module serves configurations.
type Module struct {
	table *query.Table[Configuration]
	keys  *secret.Keyring
}

// New builds the module.
func New(d *db.DB, ids *id.Generator, keys *secret.Keyring) *Module {
	t := query.NewTable[Configuration]("configuration", d, ids, query.Options{
		Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"},
		Order:  []string{"code ASC"},
	})
	return &Module{table: t, keys: keys}
}

// Migrations returns the module's schema.
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "configuration", Schema: "public", FS: sub}
}

var codeRe = regexp.MustCompile(`^[A-Z0-9_.:-]{1,100}$`)

func aad(row *Configuration) []byte {
	return []byte("configuration:" + row.OrganizerID.String() + ":" + row.Code)
}

// validate checks the value against the data type and seals secrets.
func (m *Module) validate(ctx context.Context, row *Configuration, isNew bool) error {
	if !codeRe.MatchString(row.Code) {
		return errs.Field("body.code", "must be 1-100 characters of A-Z 0-9 _ . : -", row.Code)
	}
	if row.Group == "" {
		row.Group = "GENERAL"
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
		return errs.Field("body.value", "does not match dataType "+string(row.DataType), nil)
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

// Routes registers the CRUD routes and the reveal route.
func (m *Module) Routes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Configuration]{
		Table: m.table, Path: "/configurations", Tag: "Configurations", Singular: "configuration",
		Permission: "configuration", Validate: m.validate, Output: redact,
	})
	type revealOut struct {
		Body struct {
			Code  string `json:"code"`
			Value string `json:"value"`
		}
	}
	api.Register(s, huma.Operation{OperationID: "reveal-configuration", Method: http.MethodPost,
		Path: "/configurations/{id}/reveal", Tags: []string{"Configurations"},
		Summary: "Open a sealed SECRET value", Errors: []int{404, 409}},
		auth.Requirement{Permission: "configuration.reveal"},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*revealOut, error) {
			rid, err := id.Parse(in.ID)
			if err != nil {
				return nil, errs.Field("path.id", "must be a decimal id", in.ID)
			}
			row, err := m.table.Get(ctx, rid, query.ExcludeDeleted)
			if err != nil {
				return nil, err
			}
			pt, err := m.open(row)
			if err != nil {
				return nil, err
			}
			out := &revealOut{}
			out.Body.Code, out.Body.Value = row.Code, pt
			return out, nil
		})
}

func (m *Module) open(row *Configuration) (string, error) {
	if row.DataType != Secret {
		return "", errs.New(errs.Conflict, "configuration "+row.Code+" is not a SECRET")
	}
	var sealed string
	if err := json.Unmarshal(row.Value, &sealed); err != nil {
		return "", err
	}
	pt, err := m.keys.Open(sealed, aad(row))
	if err != nil {
		return "", errs.Wrap(errs.Internal, "cannot open configuration "+row.Code, err)
	}
	return string(pt), nil
}

// Secret returns the plaintext of a SECRET setting: the merchant's own when it has one, else the
// organizer's. It is how payment and invoice load their credentials.
func (m *Module) Secret(ctx context.Context, organizerID id.ID, merchantID id.ID, code string) (string, error) {
	where := map[string]any{"organizerId": organizerID.String(), "code": code, "dataType": string(Secret)}
	rows, err := m.table.Find(ctx, &query.Filter{Where: where, Limit: 10}, query.ExcludeDeleted)
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
		return "", errs.New(errs.NotFound, "no configuration "+code)
	}
	return m.open(best)
}

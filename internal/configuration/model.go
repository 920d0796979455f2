package configuration

import (
	"encoding/json"
	"github.com/banapos/bana/internal/platform/db"
	"regexp"
	"time"

	"github.com/banapos/bana/internal/platform/id"
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

// DefaultGroup is the group of a setting created without one.
const DefaultGroup = "GENERAL"

// Configuration is one setting.
type Configuration struct {
	bun.BaseModel `bun:"table:configurations" json:"-"`

	ID          id.ID           `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID           `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  *id.ID          `bun:"merchant_id" json:"merchantId,omitempty" doc:"Merchant the setting applies to; absent for organizer-wide settings"`
	Code        string          `bun:"code" json:"code" minLength:"1" maxLength:"100" pattern:"^[A-Z0-9_.:-]+$" doc:"Setting key, e.g. PAYMENT.VNPAY_QR_MMS"`
	Group       string          `bun:"group" json:"group,omitempty" maxLength:"50" doc:"Grouping for display, e.g. PAYMENT"`
	Description db.OptText      `bun:"description" json:"description,omitempty" maxLength:"500"`
	DataType    DataType        `bun:"data_type" json:"dataType" enum:"TEXT,NUMBER,BOOLEAN,JSON,SECRET"`
	Value       json.RawMessage `bun:"value,type:jsonb" json:"value" doc:"The value, of dataType. A SECRET is sent as a string, sealed at rest and returned as null."`
	CreatedAt   time.Time       `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time       `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time      `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
	// Sealed is true on SECRET rows as the API returns them: the value is withheld.
	Sealed bool `bun:"-" json:"sealed,omitempty" readOnly:"true"`
}

var codeRe = regexp.MustCompile(`^[A-Z0-9_.:-]{1,100}$`)

// aad binds a sealed value to its organizer and code: a sealed value copied to another row does
// not open.
func aad(row *Configuration) []byte {
	return []byte("configuration:" + row.OrganizerID.String() + ":" + row.Code)
}

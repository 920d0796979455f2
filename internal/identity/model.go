package identity

import (
	"github.com/banapos/bana/internal/platform/db"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// User statuses.
const (
	StatusActive   = "ACTIVE"
	StatusBlocked  = "BLOCKED"
	StatusInactive = "INACTIVE" // organizers and employees
)

// Locales a profile may have; new accounts get LocaleVI.
const (
	LocaleVI = "vi"
	LocaleEN = "en"
)

// MerchantTypes of the document, the default first: a seller picks one at sign-up, and commerce
// sets its first merchant up with it (SellerRegistered).
var MerchantTypes = []string{"DEFAULT", "TICKET", "FNB", "THEATER"}

// TokenType is the type of every token identity issues (RFC 6750).
const TokenType = "Bearer"

// tokenKindExternal marks a row of access_tokens that records the sign-out of a token identity
// did not issue (its other rows have the principal's kind: auth.KindUser or auth.KindPIN).
const tokenKindExternal = "external"

// User is an account. Its identifiers, profile, credential and roles live in their own tables.
type User struct {
	bun.BaseModel `bun:"table:users" json:"-"`

	ID           id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID  *id.ID     `bun:"organizer_id" json:"organizerId,omitempty" readOnly:"true" doc:"The organizer the user owns or works for; absent for platform staff"`
	Status       string     `bun:"status" json:"status" enum:"ACTIVE,BLOCKED" doc:"A BLOCKED user cannot sign in and its tokens stop working"`
	LastSignInAt *time.Time `bun:"last_sign_in_at" json:"lastSignInAt,omitempty" readOnly:"true"`
	CreatedAt    time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt    *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// UserIdentifier is one way a user signs in. Value is normalized (see Normalize).
type UserIdentifier struct {
	bun.BaseModel `bun:"table:user_identifiers" json:"-"`

	ID         id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	UserID     id.ID      `bun:"user_id" json:"userId"`
	Scheme     Scheme     `bun:"scheme" json:"scheme" enum:"USERNAME,EMAIL,PHONE_NUMBER,USER_NUMBER,NX_AUTH"`
	Value      string     `bun:"value" json:"value"`
	VerifiedAt *time.Time `bun:"verified_at" json:"verifiedAt,omitempty" readOnly:"true"`
	CreatedAt  time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt  time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// UserProfile is how a user is shown.
type UserProfile struct {
	bun.BaseModel `bun:"table:user_profiles" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	UserID      id.ID      `bun:"user_id" json:"userId" readOnly:"true"`
	DisplayName string     `bun:"display_name" json:"displayName" maxLength:"200"`
	FirstName   db.OptText `bun:"first_name" json:"firstName,omitempty" maxLength:"100"`
	LastName    db.OptText `bun:"last_name" json:"lastName,omitempty" maxLength:"100"`
	Locale      string     `bun:"locale" json:"locale,omitempty" maxLength:"10" doc:"vi or en"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// Role is a fixed role of the document or one an admin added (code below 898).
type Role struct {
	bun.BaseModel `bun:"table:roles" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	Code        int        `bun:"code" json:"code" doc:"Precedence: 999 SUPER_ADMIN ... 898 EMPLOYEE; roles added by admins take 1..897"`
	Name        string     `bun:"name" json:"name" doc:"UPPER_SNAKE name"`
	Description db.OptText `bun:"description" json:"description,omitempty" maxLength:"500"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// Permission is a resource.action string such as sale.write, or resource.* and *.
type Permission struct {
	bun.BaseModel `bun:"table:permissions" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	Code        string     `bun:"code" json:"code" doc:"resource.action, resource.* or *"`
	Description db.OptText `bun:"description" json:"description,omitempty" maxLength:"500"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// RolePermission grants a permission to a role.
type RolePermission struct {
	bun.BaseModel `bun:"table:role_permissions" json:"-"`

	ID           id.ID     `bun:"id,pk" json:"id" readOnly:"true"`
	RoleID       id.ID     `bun:"role_id" json:"roleId"`
	PermissionID id.ID     `bun:"permission_id" json:"permissionId"`
	CreatedAt    time.Time `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt    time.Time `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// UserRole gives a role to a user.
type UserRole struct {
	bun.BaseModel `bun:"table:user_roles" json:"-"`

	ID        id.ID     `bun:"id,pk" json:"id" readOnly:"true"`
	UserID    id.ID     `bun:"user_id" json:"userId"`
	RoleID    id.ID     `bun:"role_id" json:"roleId"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt time.Time `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// Organizer is a seller's business: the tenant whose merchants (shops, restaurants, venues)
// commerce keeps.
type Organizer struct {
	bun.BaseModel `bun:"table:organizers" json:"-"`

	ID        id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	Name      string     `bun:"name" json:"name" minLength:"1" maxLength:"200"`
	OwnerID   *id.ID     `bun:"owner_id" json:"ownerId,omitempty" readOnly:"true" doc:"The user who signed the seller up"`
	Status    string     `bun:"status" json:"status,omitempty" enum:"ACTIVE,INACTIVE"`
	CreatedAt time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Employee is a user working for an organizer at one or more of its merchants.
type Employee struct {
	bun.BaseModel `bun:"table:employees" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Set from the caller unless an admin"`
	UserID      id.ID      `bun:"user_id" json:"userId" readOnly:"true"`
	Code        db.OptText `bun:"code" json:"code,omitempty" maxLength:"50" doc:"Staff code shown on receipts"`
	Title       db.OptText `bun:"title" json:"title,omitempty" maxLength:"100" doc:"Cashier, waiter, kitchen, ..."`
	Status      string     `bun:"status" json:"status,omitempty" enum:"ACTIVE,INACTIVE" doc:"An INACTIVE employee cannot sign in with a PIN"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// EmployeeMerchant maps an employee to a merchant, with the employee's PIN there.
type EmployeeMerchant struct {
	bun.BaseModel `bun:"table:employee_merchants" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	EmployeeID  id.ID      `bun:"employee_id" json:"employeeId"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	PINHash     *string    `bun:"pin_hash" json:"-"`
	PINSetAt    *time.Time `bun:"pin_set_at" json:"pinSetAt,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt"`
}

package commerce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// Device enrolment: an owner issues a one-time code for a merchant; a device sends it once to
// POST /devices/enroll and receives a long-lived device token (a JWT of kind "device" whose
// subject is the device id and whose scope is that one merchant). Revoking or deleting the device
// makes the token fail: IsRevoked answers for its token id (jti).

const (
	// EnrollmentCodeTTL is how long an enrolment code can be used.
	EnrollmentCodeTTL = 15 * time.Minute
	// DeviceTokenTTL is the lifetime of a device token.
	DeviceTokenTTL = 365 * 24 * time.Hour
	// codeAlphabet has no 0/O or 1/I: codes are read aloud and typed on tills. 32 symbols, so a
	// random byte masked to 5 bits picks one without bias; 8 symbols are 40 bits.
	codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	codeLength   = 8
)

// DefaultDevicePermissions are the permissions of a device token when the code does not name
// others: read the catalog and the merchant. Modules that serve tills add theirs by listing
// them when the code is issued.
func DefaultDevicePermissions() []string { return []string{PermCatalogRead, PermMerchantRead} }

// DeviceEnrollmentCodeInput asks for a code (POST /devices/enrollment-codes).
type DeviceEnrollmentCodeInput struct {
	MerchantID  id.ID    `json:"merchantId"`
	Name        string   `json:"name,omitempty" doc:"Name the device gets, unless it sends one"`
	Kind        string   `json:"kind,omitempty" enum:"POS,KDS,KIOSK,PRINTER,OTHER" doc:"Default POS"`
	TerminalID  *id.ID   `json:"terminalId,omitempty" doc:"Terminal the device will serve"`
	Permissions []string `json:"permissions,omitempty" doc:"Permissions of the device token, each one the issuer holds; default catalog.read, merchant.read"`
}

// DeviceEnrollmentCode is an issued code. The code is shown once; only its hash is stored.
type DeviceEnrollmentCode struct {
	ID          id.ID     `json:"id"`
	Code        string    `json:"code" doc:"8 characters, shown once"`
	MerchantID  id.ID     `json:"merchantId"`
	Permissions []string  `json:"permissions"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// DeviceEnrollInput is what a device sends to enrol (POST /devices/enroll).
type DeviceEnrollInput struct {
	Code       string `json:"code" doc:"The one-time code; case, spaces and dashes do not matter"`
	Name       string `json:"name,omitempty"`
	Kind       string `json:"kind,omitempty" enum:"POS,KDS,KIOSK,PRINTER,OTHER"`
	Platform   string `json:"platform,omitempty" doc:"e.g. android 14, windows 11"`
	Serial     string `json:"serial,omitempty"`
	AppVersion string `json:"appVersion,omitempty"`
}

// DeviceEnrolled is an enrolled device and its token.
type DeviceEnrolled struct {
	Device    Device    `json:"device"`
	Token     string    `json:"token" doc:"Bearer token of the device; keep it secret"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func hashCode(c string) string {
	s := sha256.Sum256([]byte("bana-device-enrollment:" + c))
	return hex.EncodeToString(s[:])
}

// normalizeCode upper-cases a typed code and drops spaces and dashes.
func normalizeCode(c string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

func newCode() string {
	b := make([]byte, codeLength)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b)
}

// IssueEnrollmentCode makes a one-time code for a merchant the caller may act for.
func (m *Module) IssueEnrollmentCode(ctx context.Context, in DeviceEnrollmentCodeInput) (*DeviceEnrollmentCode, error) {
	mer, err := m.merchantFor(ctx, in.MerchantID, "body.merchantId")
	if err != nil {
		return nil, err
	}
	if in.Kind == "" {
		in.Kind = DevicePOS
	}
	if !slices.Contains(deviceKinds, in.Kind) {
		return nil, errs.Field("body.kind", "must be one of "+strings.Join(deviceKinds, ", "), in.Kind)
	}
	if in.Name, err = cleanText("body.name", in.Name, 100); err != nil {
		return nil, err
	}
	if err := m.checkTerminal(ctx, in.TerminalID, mer.ID, "body.terminalId"); err != nil {
		return nil, err
	}
	perms := in.Permissions
	if len(perms) == 0 {
		perms = DefaultDevicePermissions()
	}
	p := auth.From(ctx)
	for i, perm := range perms {
		if perm == "" || len(perm) > 100 {
			return nil, errs.Field(fmt.Sprintf("body.permissions[%d]", i), "must be a permission such as catalog.read", perm)
		}
		if p != nil && !p.Can(perm) {
			return nil, errs.Field(fmt.Sprintf("body.permissions[%d]", i), "is a permission you do not hold", perm)
		}
	}
	now := m.clock.Now()
	var createdBy id.ID
	if p != nil {
		createdBy = p.UserID
	}
	for range 5 {
		c := newCode()
		row := DeviceEnrollment{ID: m.ids.Next(), OrganizerID: mer.OrganizerID, MerchantID: mer.ID, CodeHash: hashCode(c),
			Name: db.OptText(in.Name), Kind: in.Kind, TerminalID: in.TerminalID, Permissions: perms, CreatedBy: createdBy,
			ExpiresAt: now.Add(EnrollmentCodeTTL), CreatedAt: now}
		err := m.insert(ctx, &row, 1)
		if errs.KindOf(err) == errs.Conflict {
			continue // the same code is live already: draw another
		}
		if err != nil {
			return nil, err
		}
		return &DeviceEnrollmentCode{ID: row.ID, Code: c, MerchantID: mer.ID, Permissions: perms, ExpiresAt: row.ExpiresAt}, nil
	}
	return nil, ErrNoFreeEnrollmentCode
}

// Enroll consumes a code and registers the device, returning its token. A code works once
// (ErrBadEnrollmentCode for one unknown, used or expired). The device has no caller to act as:
// the code is its credential, and Enroll acts as the system for the merchant the code names.
func (m *Module) Enroll(ctx context.Context, in DeviceEnrollInput) (*DeviceEnrolled, error) {
	ctx = auth.System(ctx)
	c := normalizeCode(in.Code)
	if len(c) != codeLength {
		return nil, ErrBadEnrollmentCode
	}
	if in.Kind != "" && !slices.Contains(deviceKinds, in.Kind) {
		return nil, errs.Field("body.kind", "must be one of "+strings.Join(deviceKinds, ", "), in.Kind)
	}
	for _, f := range []struct {
		loc string
		v   *string
		max int
	}{{"body.name", &in.Name, 100}, {"body.platform", &in.Platform, 100}, {"body.serial", &in.Serial, 100}, {"body.appVersion", &in.AppVersion, 50}} {
		var err error
		if *f.v, err = cleanText(f.loc, *f.v, f.max); err != nil {
			return nil, err
		}
	}
	var out *DeviceEnrolled
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.clock.Now()
		hash := hashCode(c)
		// One conditional statement consumes the code: of two devices racing with it, one wins.
		consumed, err := m.consumeEnrollment(ctx, hash, now)
		if err != nil {
			return err
		}
		if !consumed {
			return ErrBadEnrollmentCode
		}
		e, err := m.enrollment(ctx, hash)
		if err != nil {
			return err
		}
		if !now.Before(e.ExpiresAt) {
			return ErrBadEnrollmentCode // rolls the consumption back; the code is dead anyway
		}
		name := in.Name
		if name == "" {
			name = string(e.Name)
		}
		if name == "" {
			name = "Thiết bị " + c[:4]
		}
		kind := in.Kind
		if kind == "" {
			kind = e.Kind
		}
		d := Device{ID: m.ids.Next(), OrganizerID: e.OrganizerID, MerchantID: e.MerchantID, TerminalID: e.TerminalID,
			Name: name, Kind: kind, Platform: db.OptText(in.Platform), Serial: db.OptText(in.Serial), AppVersion: db.OptText(in.AppVersion), Status: DeviceActive,
			Permissions: e.Permissions, EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
		token, _, err := m.tokens.Issue(&auth.Principal{UserID: d.ID, Kind: auth.KindDevice, OrganizerID: d.OrganizerID,
			MerchantIDs: []id.ID{d.MerchantID}, Roles: []auth.Role{auth.Employee}, Permissions: d.Permissions}, DeviceTokenTTL)
		if err != nil {
			return err
		}
		p, exp, err := m.tokens.Verify(token)
		if err != nil {
			return err
		}
		d.TokenID, d.TokenExpiresAt = p.TokenID, exp.UTC()
		if err := m.insert(ctx, &d, 1); err != nil {
			return err
		}
		if err := m.setEnrollmentDevice(ctx, e.ID, d.ID); err != nil {
			return err
		}
		if err := m.rowChanged(ctx, CollectionDevices, d.OrganizerID, d.MerchantID, d.ID, ActionCreated); err != nil {
			return err
		}
		out = &DeviceEnrolled{Device: d, Token: token, ExpiresAt: d.TokenExpiresAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "device enrolled", "device", out.Device.ID, "merchant", out.Device.MerchantID, "kind", out.Device.Kind)
	return out, nil
}

// RevokeDevice revokes a device the caller may act for: its token fails from now on.
func (m *Module) RevokeDevice(ctx context.Context, deviceID id.ID) (*Device, error) {
	var out *Device
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		d, err := m.devices.Get(ctx, deviceID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if err := m.revoke(ctx, d); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

func (m *Module) revoke(ctx context.Context, d *Device) error {
	if d.Status == Revoked {
		return nil
	}
	now := m.clock.Now()
	if err := m.revokeDevice(ctx, d.ID, now); err != nil {
		return err
	}
	d.Status, d.RevokedAt, d.UpdatedAt = Revoked, &now, now
	return nil
}

// deleteDevice is the devices' Delete hook: a deleted device is revoked, and removed for good
// (a hard delete) only once its token has expired (ErrDeviceTokenLive). Should a device be gone
// all the same, its token still fails: IsRevoked reads the device by its id, and a device that
// is gone is revoked.
func (m *Module) deleteDevice(ctx context.Context, d, after *Device) error {
	hard := after == nil // a hard delete removes the row
	if hard && m.clock.Now().Before(d.TokenExpiresAt) {
		return naming(ErrDeviceTokenLive, ErrDeviceTokenLive.Message+" ("+d.TokenExpiresAt.Format(time.RFC3339)+")")
	}
	return m.revoke(ctx, d)
}

// updateDevice is the devices' Update hook: a write changes a device's name, kind, terminal and
// own details, never its token.
func (m *Module) updateDevice(ctx context.Context, before, d *Device) error {
	// Its permissions and revocation time as stored (see updateMerchant), and its token, which
	// is not part of the JSON form: a PUT's body has none.
	stored, err := m.devices.Get(ctx, before.ID, query.ExcludeDeleted)
	if err != nil {
		return err
	}
	d.Permissions, d.RevokedAt, d.TokenID = stored.Permissions, stored.RevokedAt, stored.TokenID
	if d.Name, err = cleanName("body.name", d.Name, 100); err != nil {
		return err
	}
	if d.Kind == "" {
		d.Kind = before.Kind
	}
	if !slices.Contains(deviceKinds, d.Kind) {
		return errs.Field("body.kind", "must be one of "+strings.Join(deviceKinds, ", "), d.Kind)
	}
	return m.checkTerminal(ctx, d.TerminalID, before.MerchantID, "body.terminalId")
}

func (m *Module) checkTerminal(ctx context.Context, tid *id.ID, merchant id.ID, loc string) error {
	if tid == nil {
		return nil
	}
	t, err := m.terminals.Get(ctx, *tid, query.ExcludeDeleted)
	if err != nil || t.MerchantID != merchant {
		return errs.Field(loc, "is not a terminal of the merchant", tid.String())
	}
	return nil
}

// IsRevoked reports whether a device token is revoked: its device revoked, deleted or gone,
// or holding another token. Principals that are not devices are never revoked here.
func (m *Module) IsRevoked(ctx context.Context, p *auth.Principal) (bool, error) {
	if p.Kind != auth.KindDevice {
		return false, nil
	}
	d, err := m.deviceByID(ctx, p.UserID)
	if err != nil {
		return false, err
	}
	return !d.found || d.tokenID != p.TokenID || d.status == Revoked || d.deleted, nil
}

package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// The store: the only files of the module that spell SQL are this one, store_quote.go (what
// pricing and sale read) and store_lookup.go (the scan lookup). Every function joins the
// transaction of ctx when there is one. Rows that the CRUD routes write go through the module's
// query.Tables (module.go) and their hooks; these are the statements those hooks and the
// services add: cascades, revocations, the onboarding insert, the enrolment's consumption.

// exec runs a write statement in the transaction of ctx (or alone) and counts the rows it changed.
func (m *Module) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return 0, db.Classify(err)
	}
	n, err := res.RowsAffected()
	return n, db.Classify(err)
}

// count runs a SELECT count(*).
func (m *Module) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(q), args...).Scan(&n)
	return n, db.Classify(err)
}

// insert bulk-inserts a slice of rows (a pointer to it), or one row, in the transaction of ctx.
func (m *Module) insert(ctx context.Context, rows any, n int) error {
	if n == 0 {
		return nil
	}
	_, err := m.db.IDB(ctx).NewInsert().Model(rows).Exec(ctx)
	return db.Classify(err)
}

// --- merchants

// insertMerchantOnce inserts a new merchant unless one of its organizer has its onboarding key
// already (then it reports false and changes nothing): the one statement that makes concurrent
// onboardings with one key make one merchant.
func (m *Module) insertMerchantOnce(ctx context.Context, mer *Merchant) (bool, error) {
	res, err := m.db.IDB(ctx).NewInsert().Model(mer).On("CONFLICT (organizer_id, onboarding_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, err := res.RowsAffected()
	return n > 0, db.Classify(err)
}

// revokeMerchantDevices revokes every active device of a merchant.
func (m *Module) revokeMerchantDevices(ctx context.Context, merchantID id.ID, now time.Time) error {
	_, err := m.exec(ctx, `UPDATE devices SET status = ?, revoked_at = ?, updated_at = ? WHERE merchant_id = ? AND status = ?`,
		Revoked, now, now, int64(merchantID), DeviceActive)
	return err
}

// --- stations and categories

// setCategoriesStationCode gives the categories of a station its new code.
func (m *Module) setCategoriesStationCode(ctx context.Context, stationID id.ID, code string) error {
	_, err := m.exec(ctx, `UPDATE categories SET station_code = ? WHERE station_id = ?`, db.OptText(code), int64(stationID))
	return err
}

// stationCategories counts the live categories that send their tickets to a station.
func (m *Module) stationCategories(ctx context.Context, stationID id.ID) (int, error) {
	return m.count(ctx, `SELECT count(*) FROM categories WHERE station_id = ? AND deleted_at IS NULL`, int64(stationID))
}

// --- products, variants, identifiers

// upsertInfo writes a product's info, replacing the one it has.
func (m *Module) upsertInfo(ctx context.Context, info *ProductInfo) error {
	_, err := m.db.IDB(ctx).NewInsert().Model(info).
		On("CONFLICT (product_id) DO UPDATE").
		Set("unit = EXCLUDED.unit, content = EXCLUDED.content, origin = EXCLUDED.origin, images = EXCLUDED.images, attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return db.Classify(err)
}

// deleteProductRows deletes what hangs off a product before the product itself goes: when hard,
// its modifier links, identifiers, variants and info; otherwise (soft) its live identifiers and
// variants, all with the one deleted_at given, so that a restore brings back exactly them.
func (m *Module) deleteProductRows(ctx context.Context, productID id.ID, hard bool, now time.Time) error {
	pid := int64(productID)
	if hard {
		for _, q := range []string{
			`DELETE FROM variant_modifier_groups WHERE variant_id IN (SELECT id FROM product_variants WHERE product_id = ?)`,
			`DELETE FROM product_identifiers WHERE product_id = ?`,
			`DELETE FROM product_variants WHERE product_id = ?`,
			`DELETE FROM product_infos WHERE product_id = ?`,
		} {
			if _, err := m.exec(ctx, q, pid); err != nil {
				return err
			}
		}
		return nil
	}
	for _, q := range []string{
		`UPDATE product_identifiers SET deleted_at = ? WHERE product_id = ? AND deleted_at IS NULL`,
		`UPDATE product_variants SET deleted_at = ? WHERE product_id = ? AND deleted_at IS NULL`,
	} {
		if _, err := m.exec(ctx, q, now, pid); err != nil {
			return err
		}
	}
	return nil
}

// restoreProductRows brings back the variants and identifiers deleted with a product: those of
// the product's last deletion time. A code another product took in the meantime is a conflict
// of the unique index (errs.Conflict).
func (m *Module) restoreProductRows(ctx context.Context, productID id.ID) error {
	var deletedAt *time.Time
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(
		`SELECT max(deleted_at) FROM product_variants WHERE product_id = ?`), int64(productID)).Scan(&nullTime{&deletedAt})
	if err != nil || deletedAt == nil {
		return db.Classify(err)
	}
	for _, q := range []string{
		`UPDATE product_variants SET deleted_at = NULL WHERE product_id = ? AND deleted_at = ?`,
		`UPDATE product_identifiers SET deleted_at = NULL WHERE product_id = ? AND deleted_at = ?`,
	} {
		if _, err := m.exec(ctx, q, int64(productID), *deletedAt); err != nil {
			return err
		}
	}
	return nil
}

// otherVariants counts the live variants of a product besides one.
func (m *Module) otherVariants(ctx context.Context, productID, variantID id.ID) (int, error) {
	return m.count(ctx, `SELECT count(*) FROM product_variants WHERE product_id = ? AND deleted_at IS NULL AND id <> ?`,
		int64(productID), int64(variantID))
}

// deleteVariantRows deletes what hangs off a variant before the variant itself goes: when hard,
// its modifier links and identifiers; otherwise (soft) its live identifiers.
func (m *Module) deleteVariantRows(ctx context.Context, variantID id.ID, hard bool, now time.Time) error {
	vid := int64(variantID)
	if hard {
		for _, q := range []string{`DELETE FROM variant_modifier_groups WHERE variant_id = ?`, `DELETE FROM product_identifiers WHERE variant_id = ?`} {
			if _, err := m.exec(ctx, q, vid); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := m.exec(ctx, `UPDATE product_identifiers SET deleted_at = ? WHERE variant_id = ? AND deleted_at IS NULL`, now, vid)
	return err
}

// dropSKU removes a variant's SKU identifier (syncSKU writes the new one).
func (m *Module) dropSKU(ctx context.Context, variantID id.ID) error {
	_, err := m.exec(ctx, `DELETE FROM product_identifiers WHERE variant_id = ? AND type = ?`, int64(variantID), string(IDSKU))
	return err
}

// takenCodes returns which of codes a live identifier of the merchant has, besides the
// identifier except (0: none).
func (m *Module) takenCodes(ctx context.Context, merchant, except id.ID, codes []string) (map[string]bool, error) {
	args := []any{int64(merchant), int64(except)}
	for _, c := range codes {
		args = append(args, c)
	}
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
		`SELECT code FROM product_identifiers WHERE merchant_id = ? AND deleted_at IS NULL AND id <> ? AND code IN (`+placeholders(len(codes))+`)`), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, db.Classify(err)
		}
		taken[c] = true
	}
	return taken, db.Classify(rows.Err())
}

// --- devices

// consumeEnrollment marks an unused enrolment code used, and reports whether this call did: of
// two devices racing with one code, one conditional statement lets one win.
func (m *Module) consumeEnrollment(ctx context.Context, hash string, now time.Time) (bool, error) {
	n, err := m.exec(ctx, `UPDATE device_enrollments SET used_at = ? WHERE code_hash = ? AND used_at IS NULL`, now, hash)
	return n > 0, err
}

// enrollment reads an enrolment code by its hash.
func (m *Module) enrollment(ctx context.Context, hash string) (*DeviceEnrollment, error) {
	var e DeviceEnrollment
	if err := m.db.IDB(ctx).NewSelect().Model(&e).Where("code_hash = ?", hash).Scan(ctx); err != nil {
		return nil, db.Classify(err)
	}
	return &e, nil
}

// setEnrollmentDevice records the device an enrolment code made.
func (m *Module) setEnrollmentDevice(ctx context.Context, enrollmentID, deviceID id.ID) error {
	_, err := m.exec(ctx, `UPDATE device_enrollments SET device_id = ? WHERE id = ?`, int64(deviceID), int64(enrollmentID))
	return err
}

// revokeDevice revokes one device.
func (m *Module) revokeDevice(ctx context.Context, deviceID id.ID, now time.Time) error {
	_, err := m.exec(ctx, `UPDATE devices SET status = ?, revoked_at = ?, updated_at = ? WHERE id = ?`, Revoked, now, now, int64(deviceID))
	return err
}

// deviceToken is what the check of a device token reads of its device.
type deviceToken struct {
	found   bool
	tokenID string
	status  string
	deleted bool
}

// deviceByID reads a device's token id and state.
func (m *Module) deviceByID(ctx context.Context, deviceID id.ID) (deviceToken, error) {
	var d deviceToken
	var deleted timeCol
	err := m.db.Raw(ctx, false).QueryRowContext(ctx, m.db.Rebind(`SELECT token_id, status, deleted_at FROM devices WHERE id = ?`),
		int64(deviceID)).Scan(&d.tokenID, &d.status, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return d, db.Classify(err)
	}
	d.found, d.deleted = true, !deleted.t.IsZero()
	return d, nil
}

// --- scanning

// nullTime scans a nullable timestamp (max() of a TIMESTAMP column comes back as text on
// SQLite).
type nullTime struct{ t **time.Time }

func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.t = nil
	case time.Time:
		*n.t = &v
	case string:
		t, err := parseSQLiteTime(v)
		if err != nil {
			return err
		}
		*n.t = &t
	case []byte:
		t, err := parseSQLiteTime(string(v))
		if err != nil {
			return err
		}
		*n.t = &t
	default:
		return fmt.Errorf("cannot scan %T as a time", src)
	}
	return nil
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q", s)
}

// timeCol scans a timestamp that SQLite may return as text.
type timeCol struct{ t time.Time }

func (c *timeCol) Scan(src any) error {
	var p *time.Time
	if err := (&nullTime{&p}).Scan(src); err != nil {
		return err
	}
	if p != nil {
		c.t = p.UTC()
	}
	return nil
}

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

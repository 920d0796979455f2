package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// ErrUnavailable is returned when the database cannot be reached.
var ErrUnavailable = errs.New(errs.Unavailable, "database unavailable")

// Classify turns driver errors into domain kinds: unique violations are conflicts, foreign key
// and check violations are rule failures, lost connections are "unavailable", no rows is
// "not found". Anything else is returned as is.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.E
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.ErrNotFound
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return errs.Wrap(errs.Conflict, "already exists", err)
		case "23503":
			return errs.Wrap(errs.Rule, "refers to a row that does not exist or is still referenced", err)
		case "23514", "23502":
			return errs.Wrap(errs.Rule, "violates a constraint", err)
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
			return errs.Wrap(errs.Unavailable, "database unavailable", err)
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return errs.Wrap(errs.Conflict, "already exists", err)
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return errs.Wrap(errs.Rule, "refers to a row that does not exist or is still referenced", err)
		case 275, 1299: // CHECK, NOTNULL
			return errs.Wrap(errs.Rule, "violates a constraint", err)
		case 5, 261, 517: // BUSY
			return errs.Wrap(errs.Unavailable, "database busy", err)
		}
		return err
	}
	if IsUnavailable(err) {
		return errs.Wrap(errs.Unavailable, "database unavailable", err)
	}
	return err
}

// IsUnavailable reports whether err means the database could not be reached.
func IsUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "failed to connect") || strings.Contains(msg, "unexpected EOF") ||
		strings.Contains(msg, "closed pool")
}

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
		case "22003": // numeric value out of range (an INTEGER column, a sum past BIGINT)
			return errs.Wrap(errs.Invalid, "a number is out of the range this field accepts", err)
		case "22001", "22021", "22025", "22P02", "22P05", "22007", "22008":
			// Text the column cannot hold (too long, NUL, bad escape, bad representation): the
			// API's text rule refuses these first; this keeps any that slip through a 400.
			return errs.Wrap(errs.Invalid, "a value cannot be stored as given", err)
		case "2201B": // a regular expression PostgreSQL cannot compile (the filter's regexp)
			return errs.Wrap(errs.Invalid, "a regular expression is not valid: "+pg.Message, err)
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

// InvalidRegexp reports whether PostgreSQL refused a regular expression it could not compile,
// with its reason.
func InvalidRegexp(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "2201B" {
		return pg.Message, true
	}
	return "", false
}

// Retryable reports whether a transaction failed only because it lost a race that a retry wins:
// a PostgreSQL deadlock (40P01) or serialization failure (40001).
func Retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
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

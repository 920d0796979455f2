// Package errs defines the kinds of failure that the domain reports and the API maps to HTTP
// statuses in one place. A domain declares its errors as values of these kinds
// (var ErrOrderClosed = errs.New(errs.Conflict, "order is closed")) and wraps them with %w.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the API layer.
type Kind int

// The kinds, each with one HTTP status (see api.statusOf).
const (
	Internal     Kind = iota // a bug: 500
	Invalid                  // bad input: 400
	Unauthorized             // no or bad credentials: 401
	Forbidden                // authenticated but not allowed: 403
	NotFound                 // absent, or another tenant's: 404
	Conflict                 // state machine, duplicate: 409
	Rule                     // a business rule refused it (stock, limits): 422
	TooMany                  // rate limited: 429
	Unavailable              // a dependency is down: 503
	TooLarge                 // request body too large: 413
)

// FieldError names one bad field of the input.
type FieldError struct {
	Location string `json:"location"` // e.g. "body.lines[2].quantity", "query.filter.where.price"
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// E is a classified error with an optional list of bad fields.
type E struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error // wrapped cause, may be nil
}

func (e *E) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *E) Unwrap() error { return e.Err }

// Is makes errors.Is match two *E of the same kind and message, so sentinel values work after
// being copied with extra fields.
func (e *E) Is(target error) bool {
	t, ok := target.(*E)
	return ok && t.Kind == e.Kind && t.Message == e.Message
}

// New returns an error of the kind.
func New(k Kind, msg string) *E { return &E{Kind: k, Message: msg} }

// Newf formats the message.
func Newf(k Kind, format string, args ...any) *E {
	return &E{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause.
func Wrap(k Kind, msg string, cause error) *E { return &E{Kind: k, Message: msg, Err: cause} }

// Field returns an Invalid error naming one field.
func Field(location, msg string, value any) *E {
	return &E{Kind: Invalid, Message: msg, Fields: []FieldError{{Location: location, Message: msg, Value: value}}}
}

// RuleField returns a Rule error (422) naming one field.
func RuleField(location, msg string, value any) *E {
	return &E{Kind: Rule, Message: msg, Fields: []FieldError{{Location: location, Message: msg, Value: value}}}
}

// Relocate points the fields of another module's error at the field of the request they are
// about: a catalog's "modifiers" of a line becomes "lines[2].modifierIds (modifiers)" under loc
// "lines[2].modifierIds". Kind, message, values and cause are kept; err is not changed. An error
// that names no field is returned as it is.
func Relocate(err error, loc string) error {
	var e *E
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Location = loc + " (" + f.Location + ")"
		out.Fields[i] = f
	}
	return &out
}

// KindOf returns the kind of err, Internal when it is not classified.
func KindOf(err error) Kind {
	var e *E
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Common sentinels shared by every module.
var (
	ErrNotFound = New(NotFound, "not found")
)

package configuration

import "github.com/banapos/bana/internal/platform/errs"

// The rules of configuration that other code and clients branch on (errors.Is). The errors the
// module returns keep their own message (naming the code) and wrap one of these.
var (
	// ErrNotSecret: a setting that is not a SECRET has nothing to reveal (409).
	ErrNotSecret = errs.New(errs.Conflict, "not a SECRET")
	// ErrSecretNotFound: neither the merchant nor its organizer keeps a SECRET of the code (404).
	ErrSecretNotFound = errs.New(errs.NotFound, "no secret of the code")
	// ErrValueType: a value does not match the setting's data type (400 naming body.value).
	ErrValueType = errs.New(errs.Invalid, "value does not match its data type")
)

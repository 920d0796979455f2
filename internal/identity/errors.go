package identity

import (
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
)

// The rules of identity that other code and clients branch on (errors.Is). Where an answer says
// more than the rule (how long to wait, how many attempts are left, which field), the error
// returned wraps or repeats the value below, so errors.Is still finds it.
var (
	// ErrBadCredentials is a wrong identifier or password. It is the platform's one answer to
	// every credential failure, so that no answer tells which identifiers have accounts.
	ErrBadCredentials = auth.ErrUnauthenticated
	// ErrAccountBlocked refuses a BLOCKED or deleted account (after its password was proven).
	ErrAccountBlocked = errs.New(errs.Forbidden, "this account is blocked")
	// ErrEmployeeInactive refuses an employee whose employment is over or suspended: without it,
	// an employee at no merchant would still see its organizer's organizer-wide rows.
	ErrEmployeeInactive = errs.New(errs.Forbidden, "this employee is inactive")
	// ErrTooManySignIns is a throttled identifier or client address (IdentifierLimit,
	// AddressLimit); the answer says how long to wait.
	ErrTooManySignIns = errs.New(errs.TooMany, "too many sign-in attempts")
	// ErrTooManyAttempts is a throttled password change; the answer says how long to wait.
	ErrTooManyAttempts = errs.New(errs.TooMany, "too many attempts")
	// ErrWrongPassword is a wrong current password on a password change.
	ErrWrongPassword = errs.Field("body.currentPassword", "is wrong", nil)
	// ErrSamePassword is a new password equal to the current one.
	ErrSamePassword = errs.Field("body.newPassword", "must differ from the current password", nil)
	// ErrPINSessionPassword refuses a password change from a PIN session: a PIN proves less than
	// the password it would replace.
	ErrPINSessionPassword = errs.New(errs.Forbidden, "a PIN session cannot change the password; sign in with the password")
	// ErrNoBearerToken refuses a sign-out of HTTP Basic credentials: there is no token to revoke.
	ErrNoBearerToken = errs.New(errs.Invalid, "sign-out revokes a bearer token; HTTP Basic credentials have none")

	// ErrIdentifierTaken is an identifier another account holds; the answer names the field.
	ErrIdentifierTaken = errs.New(errs.Conflict, "is already in use by another account")
	// ErrNoOrganizer is an organizer id that names no (live) organizer.
	ErrNoOrganizer = errs.New(errs.Invalid, "is not an organizer")
	// ErrGrantForbidden refuses SUPER_ADMIN or ADMIN to anyone but a SUPER_ADMIN's request, so an
	// ADMIN cannot raise itself or others above its rank; the answer names the role.
	ErrGrantForbidden = errs.New(errs.Forbidden, "only a SUPER_ADMIN may grant this role")
	// ErrFixedRole refuses to delete one of the five fixed roles; the answer names it.
	ErrFixedRole = errs.New(errs.Conflict, "a fixed role cannot be deleted")

	// ErrEmployeeNotHere is an employee unknown, another organizer's, or not working at the
	// terminal's merchant: the three look alike to the terminal.
	ErrEmployeeNotHere = errs.New(errs.NotFound, "no such employee at this merchant")
	// ErrNoPIN is an employee with no PIN at the merchant yet.
	ErrNoPIN = errs.New(errs.Conflict, "this employee has no PIN at this merchant yet")
	// ErrWrongPIN is a wrong PIN; it counts against PINLimit and PINCallerLimit.
	ErrWrongPIN = errs.New(errs.Unauthorized, "wrong PIN")
	// ErrTooManyWrongPINs is a locked employee and merchant, or terminal; the answer says how long
	// to wait.
	ErrTooManyWrongPINs = errs.New(errs.TooMany, "too many wrong PINs")
	// ErrSetPINForbidden refuses to set another employee's PIN without employee.write.
	ErrSetPINForbidden = errs.New(errs.Forbidden, "requires the permission employee.write, or to be this employee")
	// ErrNotEmployeeMerchant is a merchant the employee does not work at.
	ErrNotEmployeeMerchant = errs.New(errs.Invalid, "is not a merchant of this employee")
	// ErrNotYourMerchant is a merchant outside the caller's scope, in a list it sent.
	ErrNotYourMerchant = errs.New(errs.Invalid, "is not a merchant you may act for")
	// ErrNotOrganizerMerchant is a merchant that commerce says belongs to another organizer, or
	// does not know.
	ErrNotOrganizerMerchant = errs.New(errs.Invalid, "is not a merchant of this organizer")

	// ErrAlreadyVerified refuses a code, a link or a mail for an address already verified.
	ErrAlreadyVerified = errs.New(errs.Conflict, "this email address is already verified")
	// ErrNoCode is a code that expired, was used up, or was never sent to this account.
	ErrNoCode = errs.New(errs.Rule, "no valid code: it expired or was used up; request a new one")
	// ErrBadLink is a verification link that is unknown, used, or expired.
	ErrBadLink = errs.New(errs.Rule, "this verification link is invalid or expired; request a new one")
	// ErrWrongCode is a wrong code with attempts left; the answer says how many.
	ErrWrongCode = errs.New(errs.Invalid, "is wrong")
	// ErrCodeLocked is an address locked out after the last wrong code; the answer says how long.
	ErrCodeLocked = errs.New(errs.TooMany, "too many wrong codes")
	// ErrResendTooSoon is a mail asked for within ResendCooldown of the last; the answer says how
	// long to wait.
	ErrResendTooSoon = errs.New(errs.TooMany, "a code was just sent")
	// ErrTooManyResends is a mail past MaxResends in the day; the answer says how long to wait.
	ErrTooManyResends = errs.New(errs.TooMany, "too many resends today")
	// ErrNoEmail is an account with no email address to verify.
	ErrNoEmail = errs.New(errs.Rule, "this account has no email address to verify")
	// ErrMailFailed is a verification mail the mail server did not take; nothing was counted.
	ErrMailFailed = errs.New(errs.Unavailable, "the verification mail could not be sent; try again")
)

// told returns rule with a message that says more (a wait, the attempts left, a name): the
// client reads msg, and errors.Is(err, rule) still holds.
func told(rule *errs.E, msg string) *errs.E {
	return &errs.E{Kind: rule.Kind, Message: msg, Fields: rule.Fields, Err: rule}
}

// at returns err naming the field that caused it, and the value refused.
func at(err *errs.E, loc string, value any) *errs.E {
	out := *err
	out.Fields = []errs.FieldError{{Location: loc, Message: err.Message, Value: value}}
	return &out
}

package identity

import (
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"math"
	"time"
)

// The document's email verification limits.
const (
	CodeTTL        = 10 * time.Minute // a 6-digit code lives 10 minutes
	CodeAttempts   = 3                // and may be tried 3 times
	TokenTTL       = 24 * time.Hour   // a 32-byte link token lives 24 hours
	ResendCooldown = 60 * time.Second // between two mails to one address
	MaxResends     = 5                // resends after the first mail, per day
	ResendWindow   = 24 * time.Hour   // the "day" of MaxResends, from the first mail in it
	Lockout        = 15 * time.Minute // after the last wrong code
)

// verification is the state of one address's verification: the rules of the document as pure
// functions of the state and the time, so they are tested without a clock or a database.
type verification struct {
	CodeHash       db.OptText
	CodeExpiresAt  time.Time
	Attempts       int // wrong codes against the current code
	TokenHash      string
	TokenExpiresAt time.Time
	Sends          int       // mails in the current window
	WindowStart    time.Time // first mail of the window
	LastSentAt     time.Time
	LockedUntil    time.Time
	VerifiedAt     *time.Time
}

func wait(d time.Duration) string {
	return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
}

// canSend checks that a mail may go now: not verified, not locked, out of the cooldown, within
// the day's resends.
func (v *verification) canSend(now time.Time) error {
	switch {
	case v.VerifiedAt != nil:
		return ErrAlreadyVerified
	case now.Before(v.LockedUntil):
		return v.locked(now)
	case !v.LastSentAt.IsZero() && now.Sub(v.LastSentAt) < ResendCooldown:
		return told(ErrResendTooSoon, "a code was just sent: wait "+wait(ResendCooldown-now.Sub(v.LastSentAt))+" before asking again")
	case v.inWindow(now) && v.Sends > MaxResends:
		return told(ErrTooManyResends, fmt.Sprintf("at most %d resends a day: try again in %s", MaxResends, wait(v.WindowStart.Add(ResendWindow).Sub(now))))
	}
	return nil
}

// locked is the refusal during a lockout, with the time left.
func (v *verification) locked(now time.Time) error {
	return told(ErrCodeLocked, "too many wrong codes: try again in "+wait(v.LockedUntil.Sub(now)))
}

func (v *verification) inWindow(now time.Time) bool {
	return !v.WindowStart.IsZero() && now.Before(v.WindowStart.Add(ResendWindow))
}

// sent records a new mail: a fresh code and token replace the old ones, whose hashes are given.
func (v *verification) sent(now time.Time, codeHash, tokenHash string) {
	if !v.inWindow(now) {
		v.WindowStart, v.Sends = now, 0
	}
	v.Sends++
	v.LastSentAt = now
	v.CodeHash, v.CodeExpiresAt, v.Attempts = db.OptText(codeHash), now.Add(CodeTTL), 0
	v.TokenHash, v.TokenExpiresAt = tokenHash, now.Add(TokenTTL)
}

// resendsLeft is how many more mails the window allows.
func (v *verification) resendsLeft(now time.Time) int {
	if !v.inWindow(now) {
		return MaxResends + 1
	}
	return max(0, MaxResends+1-v.Sends)
}

// confirmCode checks a code; match reports whether it is the stored one (a constant-time
// comparison of hashes, done by the caller). A wrong code uses up an attempt; the third wrong
// code kills the code and locks the address out for 15 minutes.
func (v *verification) confirmCode(now time.Time, match bool) error {
	switch {
	case v.VerifiedAt != nil:
		return ErrAlreadyVerified
	case now.Before(v.LockedUntil):
		return v.locked(now)
	case v.CodeHash == "" || !now.Before(v.CodeExpiresAt) || v.Attempts >= CodeAttempts:
		return ErrNoCode
	}
	if !match {
		v.Attempts++
		if v.Attempts >= CodeAttempts {
			v.CodeHash = ""
			v.LockedUntil = now.Add(Lockout)
			return told(ErrCodeLocked, "wrong code, and that was the last attempt: try again in "+wait(Lockout))
		}
		left := CodeAttempts - v.Attempts
		return at(told(ErrWrongCode, fmt.Sprintf("is wrong: %d attempt%s left", left, map[bool]string{true: "", false: "s"}[left == 1])), "body.code", nil)
	}
	v.verified(now)
	return nil
}

// confirmToken checks a link token (looked up by its hash, so match is implied by finding the
// row). The lockout does not apply: 32 random bytes cannot be guessed.
func (v *verification) confirmToken(now time.Time) error {
	switch {
	case v.VerifiedAt != nil:
		return ErrAlreadyVerified
	case v.TokenHash == "" || !now.Before(v.TokenExpiresAt):
		return ErrBadLink
	}
	v.verified(now)
	return nil
}

func (v *verification) verified(now time.Time) {
	v.VerifiedAt = &now
	v.CodeHash, v.TokenHash = "", ""
}

package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/errs"
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func kindOf(err error) errs.Kind {
	if err == nil {
		return -1
	}
	return errs.KindOf(err)
}

func TestVerificationCooldownAndDailyResends(t *testing.T) {
	c := clock.NewFake(t0)
	var v verification
	if err := v.canSend(c.Now()); err != nil {
		t.Fatalf("first send: %v", err)
	}
	v.sent(c.Now(), "c1", "t1")
	if v.resendsLeft(c.Now()) != MaxResends {
		t.Fatalf("resends left after the first mail: %d", v.resendsLeft(c.Now()))
	}
	// 60-second cooldown, to the second.
	c.Advance(59 * time.Second)
	if err := v.canSend(c.Now()); kindOf(err) != errs.TooMany || !strings.Contains(err.Error(), "wait 1 seconds") {
		t.Fatalf("at 59s: %v", err)
	}
	c.Advance(time.Second)
	if err := v.canSend(c.Now()); err != nil {
		t.Fatalf("at 60s: %v", err)
	}
	// Five resends in the day, then no more until the day since the first mail is over.
	for i := 1; i <= MaxResends; i++ {
		if err := v.canSend(c.Now()); err != nil {
			t.Fatalf("resend %d: %v", i, err)
		}
		v.sent(c.Now(), "c", "t")
		c.Advance(ResendCooldown)
	}
	if v.Sends != 1+MaxResends {
		t.Fatalf("sends = %d", v.Sends)
	}
	if err := v.canSend(c.Now()); kindOf(err) != errs.TooMany || !strings.Contains(err.Error(), "at most 5 resends a day") {
		t.Fatalf("sixth resend: %v", err)
	}
	c.Set(t0.Add(ResendWindow - time.Second))
	if err := v.canSend(c.Now()); kindOf(err) != errs.TooMany {
		t.Fatalf("a second before the day ends: %v", err)
	}
	c.Set(t0.Add(ResendWindow))
	if err := v.canSend(c.Now()); err != nil {
		t.Fatalf("when the day is over: %v", err)
	}
	v.sent(c.Now(), "c", "t")
	if v.Sends != 1 || !v.WindowStart.Equal(c.Now()) {
		t.Fatalf("a new window: sends %d from %v", v.Sends, v.WindowStart)
	}
}

func TestVerificationCodeExpiryAttemptsAndLockout(t *testing.T) {
	c := clock.NewFake(t0)
	var v verification
	v.sent(c.Now(), "hash", "tok")
	// A good code within 10 minutes verifies.
	ok := v
	if err := ok.confirmCode(c.Now().Add(CodeTTL-time.Second), true); err != nil || ok.VerifiedAt == nil || ok.CodeHash != "" || ok.TokenHash != "" {
		t.Fatalf("good code: %v %+v", err, ok)
	}
	if err := ok.confirmCode(c.Now(), true); kindOf(err) != errs.Conflict {
		t.Fatalf("again after verification: %v", err)
	}
	// At 10 minutes the code is dead, right or wrong.
	late := v
	if err := late.confirmCode(c.Now().Add(CodeTTL), true); err != ErrNoCode {
		t.Fatalf("at 10 minutes: %v", err)
	}
	// Two wrong codes say how many attempts are left; the third locks for 15 minutes.
	for i, left := range []string{"2 attempts left", "1 attempt left"} {
		err := v.confirmCode(c.Advance(time.Second), false)
		if kindOf(err) != errs.Invalid || !strings.Contains(err.Error(), left) || v.Attempts != i+1 {
			t.Fatalf("wrong code %d: %v (attempts %d)", i+1, err, v.Attempts)
		}
	}
	err := v.confirmCode(c.Advance(time.Second), false)
	if kindOf(err) != errs.TooMany || v.LockedUntil != c.Now().Add(Lockout) || v.CodeHash != "" {
		t.Fatalf("third wrong code: %v, locked until %v", err, v.LockedUntil)
	}
	// Locked: even the right code, and a new mail, wait 15 minutes.
	if err := v.confirmCode(c.Advance(Lockout-time.Second), true); kindOf(err) != errs.TooMany {
		t.Fatalf("right code while locked: %v", err)
	}
	if err := v.canSend(c.Now()); kindOf(err) != errs.TooMany || !strings.Contains(err.Error(), "1 seconds") {
		t.Fatalf("send while locked: %v", err)
	}
	c.Advance(time.Second)
	if err := v.confirmCode(c.Now(), true); err != ErrNoCode {
		t.Fatalf("after the lockout the old code stays dead: %v", err)
	}
	if err := v.canSend(c.Now()); err != nil {
		t.Fatalf("send after the lockout: %v", err)
	}
	v.sent(c.Now(), "hash2", "tok2")
	if v.Attempts != 0 {
		t.Fatalf("a new code has fresh attempts: %d", v.Attempts)
	}
	if err := v.confirmCode(c.Advance(time.Minute), true); err != nil || v.VerifiedAt == nil {
		t.Fatalf("new code: %v", err)
	}
	if err := v.canSend(c.Now()); kindOf(err) != errs.Conflict {
		t.Fatalf("send after verification: %v", err)
	}
}

func TestVerificationToken(t *testing.T) {
	c := clock.NewFake(t0)
	var v verification
	v.sent(c.Now(), "code", "tok")
	// The link works for 24 hours, also during a code lockout.
	for range CodeAttempts {
		_ = v.confirmCode(c.Now(), false)
	}
	if !c.Now().Before(v.LockedUntil) {
		t.Fatal("not locked")
	}
	expired := v
	if err := expired.confirmToken(t0.Add(TokenTTL)); err != ErrBadLink {
		t.Fatalf("at 24h: %v", err)
	}
	if err := v.confirmToken(t0.Add(TokenTTL - time.Second)); err != nil || v.VerifiedAt == nil {
		t.Fatalf("within 24h: %v", err)
	}
	if err := v.confirmToken(c.Now()); kindOf(err) != errs.Conflict {
		t.Fatalf("reused: %v", err)
	}
	// A new mail replaces the token: the old one is gone.
	var w verification
	w.sent(t0, "c1", "t1")
	w.sent(t0.Add(ResendCooldown), "c2", "t2")
	if w.TokenHash != "t2" || w.CodeHash != "c2" {
		t.Fatalf("resend keeps old secrets: %+v", w)
	}
}

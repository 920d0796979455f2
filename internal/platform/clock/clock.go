// Package clock is the time every module reads. Modules take a Clock in their dependencies and
// never call time.Now themselves, so that a test moves time (an order's expiry, a reservation's
// hold, a token's lifetime) instead of sleeping through it.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock, in UTC at the microsecond (PostgreSQL's precision, so that what an
// operation answers equals what a later read finds).
type Real struct{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Or returns c, or the wall clock when c is nil: a module's constructor defaults with it.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}

// Fake is a clock that moves only when told to. It is safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock set at t (UTC, at the microsecond).
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC().Truncate(time.Microsecond)} }

// Now implements Clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d and returns the new time.
func (f *Fake) Advance(d time.Duration) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d).Truncate(time.Microsecond)
	return f.now
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.UTC().Truncate(time.Microsecond)
}

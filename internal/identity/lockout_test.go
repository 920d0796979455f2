package identity_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/clock"
)

// TestBasicCountsAgainstSignInLimits: HTTP Basic, accepted on every protected route, is a
// password check like POST /auth/sign-in and counts against the same limits, both ways: after an
// address is throttled on sign-in, Basic from it gets 429 for any identifier (it used to get 401s
// without end, a way to spray a password across accounts); Basic failures throttle sign-in; Basic
// failures at one identifier lock that address out of it.
func TestBasicCountsAgainstSignInLimits(t *testing.T) {
	eachLimiter(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const pw = "Bánh xèo miền Tây"
		for _, u := range []string{"anh", "binh", "cuong"} {
			e.SignUp(map[string]any{"username": u, "password": pw})
		}
		sprayer := from(t, e, "127.0.0.2")
		for i := range identity.AddressLimit.Max {
			sprayer.signIn(401, fmt.Sprintf("ghost%d", i), pw)
		}
		if r := sprayer.signIn(429, "anh", pw); !strings.Contains(string(r.Body), "try again in") {
			t.Fatalf("429: %s", r.Body)
		}
		// Basic from the throttled address: 429 for every identifier, on any route, whether
		// the account exists, the password is wrong, or right.
		for _, ident := range []string{"binh", "cuong", "ghost-basic", "anh@example.vn"} {
			sprayer.basic(429, ident, pw+"?")
		}
		sprayer.do(429, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("cuong", "Mật khẩu đoán thử")})
		sprayer.basic(429, "binh", pw)
		// Another address is not affected, and the address is free again when its window ends.
		from(t, e, "127.0.0.3").basic(200, "binh", pw)
		clk.Advance(identity.AddressLimit.Window)
		sprayer.basic(200, "binh", pw)
		sprayer.signIn(200, "anh", pw)

		// Basic failures count against the address for sign-in too.
		basicSprayer := from(t, e, "127.0.0.4")
		for i := range identity.AddressLimit.Max {
			basicSprayer.basic(401, []string{"anh", "binh", "cuong"}[i%3]+fmt.Sprint(i/3%2), pw)
		}
		basicSprayer.signIn(429, "cuong", pw)

		// And Basic guesses at one identifier lock that address out of it, not of the others.
		guesser := from(t, e, "127.0.0.5")
		for range identity.PairLimit.Max {
			guesser.basic(401, "cuong", "Mật khẩu đoán thử")
		}
		guesser.basic(429, "cuong", pw)
		guesser.signIn(429, "cuong", pw)
		guesser.signIn(200, "anh", pw)
		from(t, e, "127.0.0.6").basic(200, "cuong", pw)

		// What Basic remembers is held to the limits too: an address locked out of an account
		// gets 429 for the right password even though it proved it a moment ago, or it could test
		// guesses against what is remembered (a hit would answer 200, a miss 429).
		shared := from(t, e, "127.0.0.7")
		shared.basic(200, "binh", pw)
		for range identity.PairLimit.Max {
			shared.basic(401, "binh", "Mật khẩu đoán thử")
		}
		shared.basic(429, "binh", pw)
		shared.do(429, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("binh", pw)})
	})
}

// TestOwnerNotLockedOutByAnotherAddress: knowing a username is not enough to lock its owner out
// (docs/decisions/0006-sign-in-lockout.md). Guesses from one address lock that address out of the
// account; the owner signs in from an address that has not been failing. Guesses from many
// addresses past IdentifierLimit leave each address only its first attempt in its window: the
// owner still signs in, a guesser's address gets one guess, not five.
func TestOwnerNotLockedOutByAnotherAddress(t *testing.T) {
	eachLimiter(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const pw = "Chả cá Lã Vọng"
		e.SignUp(map[string]any{"username": "chu.quan", "email": "chu@example.vn", "password": pw})
		owner := from(t, e, "127.0.0.1")
		attacker := from(t, e, "127.0.0.2")
		for i := range identity.PairLimit.Max {
			attacker.signIn(401, "chu.quan", fmt.Sprintf("đoán %d", i))
		}
		// The attacker's address is locked out of the account, even with the right password,
		// under any spelling of the identifier (the same account's other identifiers are counted
		// apart: each is guessed on its own).
		attacker.signIn(429, "CHU.QUAN", pw)
		attacker.basic(429, "chu.quan", pw)
		// The owner, from an address that has not been failing, is not.
		owner.signIn(200, "chu.quan", pw)
		owner.basic(200, "chu.quan", pw)

		// Many addresses guessing push the identifier past IdentifierLimit (the owner's successes
		// gave their attempts back: only failures stay counted).
		guesses := identity.PairLimit.Max
		for n := 10; guesses < identity.IdentifierLimit.Max; n++ {
			c := from(t, e, fmt.Sprintf("127.0.0.%d", n))
			for i := 0; i < identity.PairLimit.Max && guesses < identity.IdentifierLimit.Max; i++ {
				c.signIn(401, "chu.quan", fmt.Sprintf("đoán %d.%d", n, i))
				guesses++
			}
		}
		// Past it, a new address gets its first attempt, and no second.
		late := from(t, e, "127.0.0.50")
		late.signIn(401, "chu.quan", "đoán muộn")
		late.signIn(429, "chu.quan", pw)
		late.basic(429, "chu.quan", pw)
		from(t, e, "127.0.0.51").basic(401, "chu.quan", "đoán muộn")
		// The owner's address has not been failing: it gets in, by sign-in and by Basic, again and
		// again (a success clears its count).
		for range 3 {
			owner.signIn(200, "CHU.QUAN", pw)
		}
		owner.basic(200, "chu.quan", pw)
		from(t, e, "127.0.0.60").signIn(200, "chu.quan", pw)
		// Another identifier of the account is its own count.
		attacker.signIn(200, "chu@example.vn", pw)

		// When the windows end, the first attacker may try again (and is counted again).
		clk.Advance(identity.IdentifierLimit.Window)
		attacker.signIn(401, "chu.quan", "đoán lại")
		attacker.signIn(200, "chu.quan", pw)
	})
}

// TestThrottleWaitIsTheWindowLeft: a 429 says how long until the limit that refused lifts, by the
// module's clock.
func TestThrottleWaitIsTheWindowLeft(t *testing.T) {
	eachLimiter(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const pw = "Bún riêu cua đồng"
		e.SignUp(map[string]any{"username": "dao", "password": pw})
		c := from(t, e, "127.0.0.2")
		for range identity.PairLimit.Max {
			c.signIn(401, "dao", "sai rồi")
		}
		clk.Advance(5 * time.Minute)
		if r := c.signIn(429, "dao", pw); !strings.Contains(string(r.Body), "try again in 600 seconds") {
			t.Fatalf("429 after 5 of 15 minutes: %s", r.Body)
		}
		clk.Advance(10*time.Minute - time.Second)
		c.signIn(429, "dao", pw)
		clk.Advance(time.Second)
		c.signIn(200, "dao", pw)
	})
}

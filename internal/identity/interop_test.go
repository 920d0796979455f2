package identity_test

import (
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestTokensVerifyWithJOSE checks BANA's tokens with an independent JOSE implementation
// (go-jose), not with the library that signed them: a client or gateway in any language can
// verify them with the shared key and read the same claims.
func testTokensVerifyWithJOSE(t *testing.T, e *apptest.Env) {
	owner, org := seller(t, e, "interop.owner")
	m1, m2 := merchant(t, e, org), merchant(t, e, org)
	emp := e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: owner, Body: map[string]any{
		"username": "interop.clerk", "password": "Bánh bột lọc Huế", "merchantIds": []string{m1, m2}, "pin": "2580"}}).Map(t)
	s := e.SignIn("interop.clerk", "Bánh bột lọc Huế")
	pinTok := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Token: owner,
		Body: map[string]any{"merchantId": m2, "employeeId": emp["id"], "pin": "2580"}}).Map(t)["token"].(string)

	type claims struct {
		jwt.Claims
		Roles []int    `json:"roles"`
		Perms []string `json:"perms"`
		Org   string   `json:"org"`
		Mer   []string `json:"mer"`
		Kind  string   `json:"kind"`
	}
	read := func(raw string) claims {
		t.Helper()
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if len(tok.Headers) != 1 || tok.Headers[0].Algorithm != "HS256" {
			t.Fatalf("headers %+v", tok.Headers)
		}
		var c claims
		if err := tok.Claims([]byte(jwtSecret), &c); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if err := c.ValidateWithLeeway(jwt.Expected{Issuer: "bana", Subject: user(s)["id"].(string), Time: time.Now()}, 0); err != nil {
			t.Fatalf("claims: %v", err)
		}
		if c.ID == "" || c.Expiry == nil || c.IssuedAt == nil {
			t.Fatalf("registered claims: %+v", c.Claims)
		}
		// The wrong key is refused by the same library.
		if err := tok.Claims([]byte("not-the-key-0123456789abcdef"), &claims{}); err == nil {
			t.Fatal("verified with the wrong key")
		}
		return c
	}
	c := read(token(s))
	if c.Kind != "user" || c.Org != org || len(c.Roles) != 1 || c.Roles[0] != 898 || len(c.Mer) != 2 || c.Mer[0] != m1 {
		t.Fatalf("password token claims: %+v", c)
	}
	if life := c.Expiry.Time().Sub(c.IssuedAt.Time()); life != time.Hour {
		t.Fatalf("lifetime %v, want APP_ENV_JWT_EXPIRES_IN", life)
	}
	p := read(pinTok)
	if p.Kind != "pin" || len(p.Mer) != 1 || p.Mer[0] != m2 || p.Expiry.Time().Sub(p.IssuedAt.Time()) != 15*time.Minute {
		t.Fatalf("PIN token claims: %+v", p)
	}
	// None of the other algorithms is accepted for a token claiming one of them.
	if _, err := jwt.ParseSigned(token(s), []jose.SignatureAlgorithm{jose.RS256}); err == nil {
		t.Fatal("an HS256 token parsed as RS256")
	}
}

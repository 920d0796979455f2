package identity_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/golang-jwt/jwt/v5"
)

func TestSignUpSignInWhoAmISignOut(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env) {
		s := e.SignUp(map[string]any{"username": "Lan.Nguyen", "email": "Lan@Example.VN", "phoneNumber": "0912 345 678",
			"displayName": "Chị Lan", "organizerName": "Cà phê Lan", "merchantName": "Lan Quận 1", "merchantType": "FNB"})
		u := user(s)
		if s["tokenType"] != "Bearer" || u["status"] != "ACTIVE" || u["organizerId"] == nil {
			t.Fatalf("session: %v", s)
		}
		org := u["organizerId"].(string)
		if identifierOf(u, "USERNAME") != "lan.nguyen" || identifierOf(u, "EMAIL") != "lan@example.vn" ||
			identifierOf(u, "PHONE_NUMBER") != "+84912345678" || len(identifierOf(u, "USER_NUMBER")) != 8 {
			t.Fatalf("identifiers: %v", u["identifiers"])
		}
		if r := u["roles"].([]any); len(r) != 1 || r[0] != "ORGANIZER_OWNER" {
			t.Fatalf("roles: %v", r)
		}
		if p := u["permissions"].([]any); len(p) != 1 || p[0] != "*" {
			t.Fatalf("permissions: %v", p)
		}
		if u["profile"].(map[string]any)["displayName"] != "Chị Lan" {
			t.Fatalf("profile: %v", u["profile"])
		}

		// SellerRegistered is in the event log, for commerce.
		var ev []map[string]any
		admin := e.AdminToken()
		e.Must(200, apptest.Request{Method: "GET", Path: "/events?filter=" + q(`{"where":{"name":"SellerRegistered"}}`), Token: admin}).JSON(t, &ev)
		if len(ev) != 1 {
			t.Fatalf("events: %v", ev)
		}
		pl := ev[0]["payload"].(map[string]any)
		if pl["organizerId"] != org || pl["userId"] != u["id"] || pl["organizerName"] != "Cà phê Lan" || pl["merchantName"] != "Lan Quận 1" ||
			pl["merchantType"] != "FNB" || pl["email"] != "lan@example.vn" || pl["phone"] != "+84912345678" {
			t.Fatalf("SellerRegistered: %v", pl)
		}

		// The token describes the owner of its organizer.
		who := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(s)}).Map(t)
		if who["kind"] != "user" || who["organizerId"] != org || who["user"].(map[string]any)["id"] != u["id"] {
			t.Fatalf("who-am-i: %v", who)
		}

		// Sign in with every scheme, in any case or format.
		pw := "Cà phê sữa đá 2024"
		for _, ident := range []string{"LAN.NGUYEN", "lan@example.vn", "LAN@EXAMPLE.VN", "0912345678", "+84 912 345 678", "84912345678", identifierOf(u, "USER_NUMBER")} {
			si := e.SignIn(ident, pw)
			if user(si)["id"] != u["id"] || user(si)["lastSignInAt"] == nil {
				t.Fatalf("sign-in with %s: %v", ident, si)
			}
		}
		// With an explicit scheme too.
		e.Must(200, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"scheme": "PHONE_NUMBER", "identifier": "0912.345.678", "password": pw}})
		e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"scheme": "USERNAME", "identifier": "lan@example.vn", "password": pw}})

		// HTTP Basic with any identifier, on identity's routes and on another module's.
		for _, ident := range []string{"lan.nguyen", "0912345678", identifierOf(u, "USER_NUMBER")} {
			w := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic(ident, pw)}).Map(t)
			if w["userId"] != u["id"] || w["organizerId"] != org {
				t.Fatalf("Basic who-am-i: %v", w)
			}
		}
		e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: basic("lan@example.vn", pw),
			Body: map[string]any{"code": "SHOP.NAME", "dataType": "TEXT", "value": "Lan"}})
		e.Must(401, apptest.Request{Method: "GET", Path: "/configurations", Token: basic("lan@example.vn", "wrong password")})
		e.Must(401, apptest.Request{Method: "GET", Path: "/configurations", Token: basic("nobody@example.vn", pw)})

		// Sign-out revokes that token only.
		other := token(e.SignIn("lan.nguyen", pw))
		e.Must(204, apptest.Request{Method: "POST", Path: "/auth/sign-out", Token: token(s)})
		e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(s)})
		e.Must(401, apptest.Request{Method: "GET", Path: "/configurations", Token: token(s)})
		e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: other})
		e.Must(400, apptest.Request{Method: "POST", Path: "/auth/sign-out", Token: basic("lan.nguyen", pw)})
		// A token identity did not issue can be signed out too.
		foreign := e.OwnerToken(9)
		e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: foreign})
		e.Must(204, apptest.Request{Method: "POST", Path: "/auth/sign-out", Token: foreign})
		e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: foreign})

		// An expired token, and one signed with another key, are 401.
		mk := func(key string, exp time.Time) string {
			c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: auth.Issuer, Subject: u["id"].(string), ExpiresAt: jwt.NewNumericDate(exp), ID: "x" + rnd()},
				Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org}
			tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: mk(jwtSecret, time.Now().Add(time.Minute))})
		e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: mk(jwtSecret, time.Now().Add(-time.Minute))})
		e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: mk("another-secret-0123456789abcdef", time.Now().Add(time.Minute))})
		e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i"})
	})
}

func TestSignUpBadInput(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env) {
		e.SignUp(map[string]any{"username": "minh", "email": "minh@example.vn", "phoneNumber": "0987654321"})
		for name, c := range map[string]struct {
			body   map[string]any
			status int
			loc    string
			msg    string
		}{
			"taken email, other case": {map[string]any{"email": "MINH@example.VN"}, 409, "body.email", "already in use"},
			"taken phone, other form": {map[string]any{"phoneNumber": "+84 987 654 321"}, 409, "body.phoneNumber", "already in use"},
			"taken username":          {map[string]any{"username": "Minh", "email": "new@example.vn"}, 409, "body.username", "already in use"},
			"short password":          {map[string]any{"email": "a@example.vn", "password": "abc123"}, 400, "body.password", "at least 8 characters"},
			"common password":         {map[string]any{"email": "b@example.vn", "password": "password123"}, 400, "body.password", "too common"},
			"password is the email":   {map[string]any{"email": "hoang.anh@example.vn", "password": "hoang.anh@example.vn!"}, 400, "body.password", "must not contain"},
			"no password":             {map[string]any{"email": "c@example.vn", "password": ""}, 400, "body.password", "required"},
			"no identifier":           {map[string]any{"displayName": "x"}, 400, "body", "at least one"},
			"bad email":               {map[string]any{"email": "not-an-email"}, 400, "body.email", "not an email"},
			"bad phone":               {map[string]any{"phoneNumber": "12345"}, 400, "body.phoneNumber", "not a phone number"},
			"bad username":            {map[string]any{"username": "9lives"}, 400, "body.username", "starting with a letter"},
			"bad merchant type":       {map[string]any{"email": "d@example.vn", "merchantType": "SHOP"}, 400, "body.merchantType", "DEFAULT"},
		} {
			t.Run(name, func(t *testing.T) {
				if c.body["password"] == nil {
					c.body["password"] = "Bánh mì thịt nướng"
				}
				r := e.Must(c.status, apptest.Request{Method: "POST", Path: "/auth/sign-up", Body: c.body})
				var p struct {
					Errors []struct{ Location, Message string }
				}
				r.JSON(t, &p)
				if len(p.Errors) != 1 || p.Errors[0].Location != c.loc || !strings.Contains(p.Errors[0].Message, c.msg) {
					t.Fatalf("errors: %s", r.Body)
				}
			})
		}
		// A refused sign-up leaves nothing behind: no user, no organizer, no event.
		if n := count(t, e, "SELECT count(*) FROM users"); n != 1 {
			t.Fatalf("%d users", n)
		}
		if n := count(t, e, "SELECT count(*) FROM organizers"); n != 1 {
			t.Fatalf("%d organizers", n)
		}
		if n := count(t, e, "SELECT count(*) FROM event_log WHERE name = 'SellerRegistered'"); n != 1 {
			t.Fatalf("%d SellerRegistered events", n)
		}
	})
}

func testNoAccountEnumeration(t *testing.T, e *apptest.Env) {
	e.SignUp(map[string]any{"email": "thu@example.vn"})
	body := func(r *apptest.Response) string {
		var p map[string]any
		r.JSON(t, &p)
		return p["title"].(string) + "|" + p["detail"].(string)
	}
	wrongPassword := e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "thu@example.vn", "password": "not her password"}})
	wrongIdent := e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "thuy@example.vn", "password": "not her password"}})
	unparsable := e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "???", "password": "not her password"}})
	if body(wrongPassword) != body(wrongIdent) || body(wrongIdent) != body(unparsable) {
		t.Fatalf("answers differ: %q / %q / %q", body(wrongPassword), body(wrongIdent), body(unparsable))
	}
	e.Must(400, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "thu@example.vn"}})
	e.Must(400, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"password": "x"}})
}

func TestSignInThrottling(t *testing.T) {
	run := func(t *testing.T, extra map[string]string) {
		each(t, extra, func(t *testing.T, e *apptest.Env) {
			pw := "Phở bò tái nạm"
			e.SignUp(map[string]any{"username": "hung", "password": pw})
			e.SignUp(map[string]any{"username": "dung", "password": pw})
			for i := 0; i < 5; i++ {
				e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "hung", "password": "guess " + rnd()}})
			}
			// The sixth attempt is refused even with the right password, in any spelling.
			r := e.Must(429, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "HUNG", "password": pw}})
			if !strings.Contains(string(r.Body), "try again in") {
				t.Fatalf("429: %s", r.Body)
			}
			e.Must(429, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("hung", pw)})
			// Another account from the same address is not affected, and a success does not use
			// up the address's allowance.
			for i := 0; i < 40; i++ {
				e.SignIn("dung", pw)
			}
			// Unknown identifiers count per address: 30 failures, then 429 for everyone here.
			fails := 0
			for i := 0; i < 40; i++ {
				r := e.Do(apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "ghost" + rnd(), "password": "whatever123"}})
				if r.Status == 429 {
					break
				}
				if r.Status != 401 {
					t.Fatalf("status %d", r.Status)
				}
				fails++
			}
			// The 5 failures on hung count against the address too, and so do the two attempts
			// refused after them (the sign-in and the Basic request).
			if fails != 30-7 {
				t.Fatalf("%d failures before the address was throttled, want 23", fails)
			}
			e.Must(429, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "dung", "password": pw}})

			// The counters live where the configuration says: Redis when it is set, else the
			// database.
			rows := count(t, e, "SELECT count(*) FROM sign_in_throttles")
			keys := redisKeys(t, e.App.Cfg.AppName+":identity:*")
			if extra == nil && (rows == 0 || keys != 0) || extra != nil && (rows != 0 || keys == 0) {
				t.Fatalf("throttle rows %d, Redis keys %d", rows, keys)
			}
		})
	}
	t.Run("database", func(t *testing.T) { run(t, nil) })
	if rv := redisVars(t); rv != nil {
		t.Run("redis", func(t *testing.T) { run(t, rv) })
	}
}

func testChangePassword(t *testing.T, e *apptest.Env) {
	pw, next := "Gỏi cuốn tôm thịt", "Bún chả Hà Nội 36"
	s := e.SignUp(map[string]any{"username": "khanh", "password": pw})
	other := token(e.SignIn("khanh", pw))
	tok := token(s)
	change := func(status int, cur, nw string) *apptest.Response {
		return e.Must(status, apptest.Request{Method: "POST", Path: "/auth/change-password", Token: tok,
			Body: map[string]any{"currentPassword": cur, "newPassword": nw}})
	}
	if r := change(400, "wrong", next); !strings.Contains(string(r.Body), "body.currentPassword") {
		t.Fatalf("wrong current: %s", r.Body)
	}
	if r := change(400, pw, "1234567"); !strings.Contains(string(r.Body), "at least 8 characters") || !strings.Contains(string(r.Body), "body.newPassword") {
		t.Fatalf("weak new: %s", r.Body)
	}
	change(400, pw, "khanh2024!x")
	change(400, pw, pw)
	change(204, pw, next)
	// The token in use still works; every other token of the user is revoked.
	e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: tok})
	e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: other})
	e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "khanh", "password": pw}})
	e.SignIn("khanh", next)
	// Basic proven with the old password stops working at once.
	e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("khanh", pw)})
	e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("khanh", next)})
}

func testBasicCacheFollowsPasswordChange(t *testing.T, e *apptest.Env) {
	pw, next := "Gỏi cuốn tôm thịt", "Bún chả Hà Nội 36"
	e.SignUp(map[string]any{"username": "quan", "password": pw})
	// Prove the password over Basic (remembered), then change it from another session.
	e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("quan", pw)})
	tok := token(e.SignIn("quan", pw))
	e.Must(204, apptest.Request{Method: "POST", Path: "/auth/change-password", Token: tok,
		Body: map[string]any{"currentPassword": pw, "newPassword": next}})
	e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: basic("quan", pw)})
}

func testBlockedUser(t *testing.T, e *apptest.Env) {
	pw := "Cơm tấm sườn bì chả"
	s := e.SignUp(map[string]any{"username": "tam", "password": pw})
	admin := e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}})
	uid := user(s)["id"].(string)
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/users/" + uid, Token: admin, Body: map[string]any{"status": "BLOCKED"}})
	e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(s)})
	r := e.Must(403, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "tam", "password": pw}})
	if !strings.Contains(string(r.Body), "blocked") {
		t.Fatalf("blocked: %s", r.Body)
	}
	// A wrong password says nothing about the block.
	e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "tam", "password": "wrong password"}})
	e.Must(400, apptest.Request{Method: "PATCH", Path: "/users/" + uid, Token: admin, Body: map[string]any{"status": "GONE"}})
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/users/" + uid, Token: admin, Body: map[string]any{"status": "ACTIVE"}})
	e.SignIn("tam", pw)
	// A deleted user's tokens die with it.
	s2 := e.SignIn("tam", pw)
	e.Must(200, apptest.Request{Method: "DELETE", Path: "/users/" + uid, Token: admin})
	e.Must(401, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(s2)})
	e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "tam", "password": pw}})
}

func TestConcurrentSignUpsOneWins(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env) {
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				body, _ := json.Marshal(map[string]any{"email": "race@example.vn", "username": "racer" + rnd(), "password": "Chè ba màu " + rnd()})
				resp, err := http.Post(e.URL+"/auth/sign-up", "application/json", strings.NewReader(string(body)))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case 201:
				won++
			case 409:
			default:
				t.Fatalf("statuses %v", statuses)
			}
		}
		if won != 1 {
			t.Fatalf("%d sign-ups won: %v", won, statuses)
		}
		if c := count(t, e, "SELECT count(*) FROM user_identifiers WHERE value = 'race@example.vn'"); c != 1 {
			t.Fatalf("%d identifiers", c)
		}
		if c := count(t, e, "SELECT count(*) FROM users"); c != 1 {
			t.Fatalf("%d users: the losers left rows behind", c)
		}
	})
}

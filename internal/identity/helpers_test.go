package identity_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/redis/go-redis/v9"
)

// jwtSecret is the HS256 key apptest gives the server.
const jwtSecret = "test-jwt-secret-0123456789abcdef0123456789"

func q(s string) string { return url.QueryEscape(s) }

func rnd() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// vars returns settings that keep a test's Redis keys apart from any other test's.
func vars(extra ...map[string]string) apptest.Vars {
	v := apptest.Vars{"APP_ENV_APPLICATION_NAME": "bana-test-" + rnd()}
	for _, e := range extra {
		for k, x := range e {
			v[k] = x
		}
	}
	return v
}

// redisVars points the cache role at BANA_TEST_REDIS_URL, or returns nil when it is unset.
func redisVars(t *testing.T) map[string]string {
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("BANA_TEST_REDIS_URL: %v", err)
	}
	out := map[string]string{"APP_ENV_CACHE_REDIS_HOST": u.Hostname(), "APP_ENV_CACHE_REDIS_PORT": u.Port()}
	if out["APP_ENV_CACHE_REDIS_PORT"] == "" {
		out["APP_ENV_CACHE_REDIS_PORT"] = "6379"
	}
	if p, ok := u.User.Password(); ok {
		out["APP_ENV_CACHE_REDIS_PASSWORD"] = p
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/")); err == nil {
		out["APP_ENV_CACHE_REDIS_DB"] = strconv.Itoa(n)
	}
	return out
}

// each runs f on every database target with its own server.
func each(t *testing.T, extra map[string]string, f func(t *testing.T, e *apptest.Env)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { f(t, apptest.Start(t, tg, vars(extra))) })
	}
}

// merchant onboards a new OPEN merchant of the organizer through the commerce module and returns
// its id: identity places employees only at real merchants of their own organizer. Commerce does
// not check that the organizer exists, so tests may also give merchants to unknown organizers.
func merchant(t *testing.T, e *apptest.Env, organizerID string) string {
	t.Helper()
	org, err := id.Parse(organizerID)
	if err != nil {
		t.Fatalf("organizer %q: %v", organizerID, err)
	}
	res, err := e.App.Commerce.Onboard(auth.System(t.Context()), commerce.OnboardInput{OrganizerID: org, Name: "Quán " + rnd(), Type: commerce.TypeFNB})
	if err != nil {
		t.Fatalf("onboarding a merchant of %s: %v", organizerID, err)
	}
	if res.Merchant.Status != commerce.Open || res.Merchant.OrganizerID != org {
		t.Fatalf("onboarded merchant: %+v", res.Merchant)
	}
	return res.Merchant.ID.String()
}

func basic(identifier, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(identifier+":"+password))
}

// signUp signs a seller up and returns the session as JSON.
func signUp(t *testing.T, e *apptest.Env, body map[string]any) map[string]any {
	t.Helper()
	if body["password"] == nil {
		body["password"] = "Cà phê sữa đá 2024"
	}
	return e.Must(201, apptest.Request{Method: "POST", Path: "/auth/sign-up", Body: body}).Map(t)
}

func signIn(t *testing.T, e *apptest.Env, identifier, password string) map[string]any {
	t.Helper()
	return e.Must(200, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": identifier, "password": password}}).Map(t)
}

func token(s map[string]any) string { return s["token"].(string) }

func user(s map[string]any) map[string]any { return s["user"].(map[string]any) }

func identifierOf(u map[string]any, scheme string) string {
	for _, i := range u["identifiers"].([]any) {
		m := i.(map[string]any)
		if m["scheme"] == scheme {
			return m["value"].(string)
		}
	}
	return ""
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	d := e.App.DB
	if err := d.Raw(t.Context(), false).QueryRowContext(t.Context(), d.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// redisKeys counts the keys matching pattern on BANA_TEST_REDIS_URL (0 when it is unset).
func redisKeys(t *testing.T, pattern string) int {
	t.Helper()
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		return 0
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	keys, err := c.Keys(t.Context(), pattern).Result()
	if err != nil {
		t.Fatalf("BANA_TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	return len(keys)
}

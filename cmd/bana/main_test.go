package main

import (
	"strings"
	"testing"
)

func TestStartupFailuresNameTheCause(t *testing.T) {
	t.Chdir(t.TempDir())
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"APP_ENV_SERVER_PORT": "abc"}, "APP_ENV_SERVER_PORT"},
		{map[string]string{"APP_ENV_POSTGRES_URL": "postgres://postgres@127.0.0.1:1/x?connect_timeout=2"}, "unreachable"},
		{map[string]string{"APP_ENV_NODE_ENV": "production"}, "APP_ENV_JWT_SECRET"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		err := run([]string{"serve"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %s", c.env, err, c.want)
		}
		for k := range c.env {
			t.Setenv(k, "")
		}
	}
	if err := run([]string{"nonsense"}); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run([]string{"migrate", "sideways"}); err == nil {
		t.Error("unknown migrate action accepted")
	}
}

// TestSeedDemoCommand runs `bana seed demo` twice on the embedded default (SQLite in ./data):
// the first run makes the café, the second finds it.
func TestSeedDemoCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("APP_ENV_LOG_LEVEL", "warn")
	if err := run([]string{"seed", "demo", "--password", "cafe-demo-2026"}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"seed", "demo", "--json"}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"seed", "sideways"}); err == nil {
		t.Error("unknown seed accepted")
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func from(m map[string]string) (*Config, error) {
	return FromLookup(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

func TestDefaultsAreTheEmbeddedMode(t *testing.T) {
	c, err := from(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Postgres.Enabled() || c.Redis.Cache.Enabled() || c.Server.Port != 8080 || c.Server.BasePath != "/api" ||
		c.JWT.ExpiresIn != time.Hour || c.Snowflake.Epoch != 1704067200000 || c.DataDir != "data" || c.Sale.OrderExpiry != 15*time.Minute ||
		c.Jobs.RescueAfter != 6*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := map[string]string{
		"APP_ENV_SERVER_PORT":          "eighty",
		"APP_ENV_JWT_EXPIRES_IN":       "-5",
		"APP_ENV_SNOWFLAKE_WORKER_ID":  "5000",
		"APP_ENV_TYPESENSE_NODES":      "localhost:8108",
		"APP_ENV_IDENTITY_SERVICE_URL": "ftp://x",
		"APP_ENV_LOG_LEVEL":            "loud",
		"APP_ENV_SERVER_BASE_PATH":     "api/",
		"APP_ENV_MINIO_USE_SSL":        "maybe",
		"APP_ENV_SALE_ORDER_EXPIRY":    "15",
		"APP_ENV_JOBS_RESCUE_AFTER":    "500ms",
	}
	for k, v := range cases {
		_, err := from(map[string]string{k: v})
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	for _, v := range []string{"0s", "-5m"} {
		if _, err := from(map[string]string{"APP_ENV_SALE_ORDER_EXPIRY": v}); err == nil || !strings.Contains(err.Error(), "APP_ENV_SALE_ORDER_EXPIRY") {
			t.Errorf("APP_ENV_SALE_ORDER_EXPIRY=%s: %v", v, err)
		}
	}
	if c, err := from(map[string]string{"APP_ENV_SALE_ORDER_EXPIRY": "90s"}); err != nil || c.Sale.OrderExpiry != 90*time.Second {
		t.Errorf("APP_ENV_SALE_ORDER_EXPIRY=90s: %v", err)
	}
	_, err := from(map[string]string{"APP_ENV_NODE_ENV": "production"})
	if err == nil || !strings.Contains(err.Error(), "APP_ENV_APPLICATION_SECRET") || !strings.Contains(err.Error(), "APP_ENV_JWT_SECRET") {
		t.Fatalf("production without secrets: %v", err)
	}
}

func TestPostgresDSN(t *testing.T) {
	c, _ := from(map[string]string{"APP_ENV_POSTGRES_HOST": "db", "APP_ENV_POSTGRES_PASSWORD": "p@ss"})
	if got := c.Postgres.DSN(); got != "postgres://postgres:p%40ss@db:5432/bana?sslmode=disable" {
		t.Fatal(got)
	}
	c, _ = from(map[string]string{"APP_ENV_TYPESENSE_NODES": "http:localhost:8108, https:search:443"})
	if len(c.Typesense.Nodes) != 2 {
		t.Fatal(c.Typesense.Nodes)
	}
}

func TestDotenvFlowOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".env", "APP_ENV_NODE_ENV=staging\nAPP_ENV_SERVER_PORT=1000\nAPP_ENV_APPLICATION_NAME=base\nAPP_ENV_LOG_LEVEL=debug\n")
	write(".env.local", "APP_ENV_SERVER_PORT=2000\n")
	write(".env.staging", "APP_ENV_SERVER_PORT=3000\nAPP_ENV_APPLICATION_NAME=staging\n")
	write(".env.staging.local", "APP_ENV_SERVER_PORT=4000\n")
	t.Setenv("APP_ENV_LOG_LEVEL", "error") // the environment wins over every file
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Port != 4000 || c.AppName != "staging" || c.Log.Level != "error" || c.Env != "staging" {
		t.Fatalf("got port %d name %s level %s env %s", c.Server.Port, c.AppName, c.Log.Level, c.Env)
	}
}

// Package config loads BANA's settings from APP_ENV_* variables, the names the design document
// uses, and from .env files in dotenv-flow order. No settings at all gives the embedded default:
// SQLite and local files under ./data, in-process events, a log mailer.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Config is every setting of the binary.
type Config struct {
	Env     string // APP_ENV_NODE_ENV: development, test, production
	AppName string // APP_ENV_APPLICATION_NAME
	Secret  string // APP_ENV_APPLICATION_SECRET: seals stored credentials
	DataDir string // APP_ENV_DATA_DIR: SQLite file, assets, generated secrets

	Server    Server
	JWT       JWT
	Postgres  Postgres
	Redis     Redis
	Minio     Minio
	Typesense Typesense
	Snowflake Snowflake
	Mail      Mail
	Services  Services
	Sale      Sale
	Webhook   Webhook
	Jobs      Jobs
	Websocket Websocket
	Log       Log
	Modules   []string // APP_ENV_SERVICES: the modules this process serves; empty means all
}

// Server is the HTTP listener.
type Server struct {
	Host         string   // APP_ENV_SERVER_HOST
	Port         int      // APP_ENV_SERVER_PORT
	BasePath     string   // APP_ENV_SERVER_BASE_PATH
	CORSOrigins  []string // APP_ENV_CORS_ORIGINS, comma separated; "*" allows any
	MaxBodyBytes int64    // APP_ENV_SERVER_MAX_BODY_BYTES
	// ResponseShape is how the CRUD routes answer (APP_ENV_SERVER_RESPONSE_SHAPE): "bana" (the
	// default: bare rows, 201 on create, 404 for a missing row) or "ignis" (IGNIS's {count, data}
	// envelope and status codes, for clients written against the design document's services).
	ResponseShape string
}

// Addr is host:port.
func (s Server) Addr() string { return s.Host + ":" + strconv.Itoa(s.Port) }

// JWT signs and verifies access tokens.
type JWT struct {
	Secret    string        // APP_ENV_JWT_SECRET
	ExpiresIn time.Duration // APP_ENV_JWT_EXPIRES_IN, seconds
}

// Postgres is the production database. Empty Host and URL mean SQLite.
type Postgres struct {
	URL      string // APP_ENV_POSTGRES_URL (overrides the parts below)
	Host     string
	Port     int
	Database string
	Username string
	Password string
	MaxConns int // APP_ENV_POSTGRES_MAX_CONNS
}

// Enabled reports whether PostgreSQL is configured.
func (p Postgres) Enabled() bool { return p.URL != "" || p.Host != "" }

// DSN returns a connection URL.
func (p Postgres) DSN() string {
	if p.URL != "" {
		return p.URL
	}
	u := url.URL{Scheme: "postgres", Host: p.Host + ":" + strconv.Itoa(p.Port), Path: "/" + p.Database}
	if p.Username != "" {
		if p.Password != "" {
			u.User = url.UserPassword(p.Username, p.Password)
		} else {
			u.User = url.User(p.Username)
		}
	}
	q := url.Values{"sslmode": {"disable"}}
	u.RawQuery = q.Encode()
	return u.String()
}

// RedisEndpoint is one of the three Redis roles of the document.
type RedisEndpoint struct {
	Host     string
	Port     int
	Password string
	DB       int
}

// Enabled reports whether this role is configured.
func (r RedisEndpoint) Enabled() bool { return r.Host != "" }

// Addr is host:port.
func (r RedisEndpoint) Addr() string { return r.Host + ":" + strconv.Itoa(r.Port) }

// Redis holds the cache, queue and pub/sub roles (APP_ENV_CACHE_REDIS_*, APP_ENV_BULLMQ_REDIS_*,
// APP_ENV_PUBSUB_PUBLISHER_REDIS_* / APP_ENV_PUBSUB_SUBSCRIBER_REDIS_*).
type Redis struct {
	Cache            RedisEndpoint
	Queue            RedisEndpoint
	PubSubPublisher  RedisEndpoint
	PubSubSubscriber RedisEndpoint
}

// Minio is S3-compatible object storage. Empty Host means local files.
type Minio struct {
	Host      string
	APIPort   int
	AccessKey string
	SecretKey string
	UseSSL    bool
	Bucket    string
}

// Typesense is the search engine. Empty Nodes means the embedded index.
type Typesense struct {
	APIKey string
	Nodes  []string // protocol:host:port
	// Backend is APP_ENV_SEARCH_BACKEND: "auto" (Typesense when Nodes are set, else the embedded
	// index), "bleve" (the embedded index) or "typesense" (Nodes and APIKey required).
	Backend string
}

// Snowflake configures ID generation.
type Snowflake struct {
	WorkerID int64
	Epoch    int64 // Unix ms
}

// Mail is the SMTP mailer. Empty Host means mail is logged.
type Mail struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Services are the base URLs of other BANA processes in split mode.
type Services struct {
	IdentityURL string
	CommerceURL string
}

// Sale configures the sale module.
type Sale struct {
	// OrderExpiry is how long a checked-out order holds its stock waiting for payment
	// (APP_ENV_SALE_ORDER_EXPIRY, a Go duration such as 15m or 90s).
	OrderExpiry time.Duration
}

// Webhook configures the delivery of events to merchants' endpoints.
type Webhook struct {
	// AllowPrivate lets endpoints resolve to loopback, private and link-local addresses
	// (APP_ENV_WEBHOOK_ALLOW_PRIVATE): for tests and local development only; refused in
	// production.
	AllowPrivate bool
	// Timeout bounds one delivery attempt (APP_ENV_WEBHOOK_TIMEOUT, default 15s).
	Timeout time.Duration
	// DisableAfter disables an endpoint that has failed without a success for this long
	// (APP_ENV_WEBHOOK_DISABLE_AFTER, default 24h).
	DisableAfter time.Duration
}

// Jobs configures the job queue (River).
type Jobs struct {
	// RescueAfter is how long a job may stay running before it is taken for lost (its process
	// killed) and run again (APP_ENV_JOBS_RESCUE_AFTER, a Go duration, default 6m, at least 1s);
	// a job still running at five sixths of it is cancelled. Keep it above the longest job (a
	// webhook delivery: APP_ENV_WEBHOOK_TIMEOUT).
	RescueAfter time.Duration
}

// Websocket configures the signal module's /stream (APP_ENV_WEBSOCKET_*).
type Websocket struct {
	// RedisMode is how the realtime fan-out reaches Redis (APP_ENV_WEBSOCKET_REDIS_MODE):
	// "single" (the default: the APP_ENV_PUBSUB_*_REDIS_* endpoints) or "cluster" (the nodes of
	// APP_ENV_WEBSOCKET_REDIS_NODES, host:port comma separated).
	RedisMode  string
	RedisNodes []string
	Heartbeat  time.Duration // APP_ENV_WEBSOCKET_HEARTBEAT: ping interval, default 25s
	SendBuffer int           // APP_ENV_WEBSOCKET_SEND_BUFFER: messages queued per client before it is dropped
	// HistorySize and HistoryTTL bound what a room keeps for clients that resume
	// (APP_ENV_WEBSOCKET_HISTORY_SIZE, default 100; APP_ENV_WEBSOCKET_HISTORY_TTL, default 24h).
	HistorySize int
	HistoryTTL  time.Duration
}

// Log configures slog.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // text, json
}

// Lookup reads one variable.
type Lookup func(key string) (string, bool)

// Load reads the .env files of dir in dotenv-flow order (.env, .env.local, .env.<env>,
// .env.<env>.local; later files win, .env.local is skipped in the test environment) and then
// the process environment, which wins over every file.
func Load(dir string) (*Config, error) {
	vars := map[string]string{}
	env := os.Getenv("APP_ENV_NODE_ENV")
	read := func(name string) error {
		m, err := godotenv.Read(filepath.Join(dir, name))
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return fmt.Errorf("reading %s: %w", name, err)
		}
		for k, v := range m {
			vars[k] = v
		}
		return nil
	}
	if err := read(".env"); err != nil {
		return nil, err
	}
	if env == "" {
		env = vars["APP_ENV_NODE_ENV"]
	}
	files := []string{}
	if env != "test" {
		files = append(files, ".env.local")
	}
	if env != "" {
		files = append(files, ".env."+env, ".env."+env+".local")
	}
	for _, f := range files {
		if err := read(f); err != nil {
			return nil, err
		}
	}
	return FromLookup(func(k string) (string, bool) {
		if v, ok := os.LookupEnv(k); ok {
			return v, true
		}
		v, ok := vars[k]
		return v, ok
	})
}

// FromLookup builds a Config from a variable source, checking every value. A bad value is an
// error that names the variable.
func FromLookup(get Lookup) (*Config, error) {
	p := parser{get: get}
	c := &Config{
		Env:     p.str("APP_ENV_NODE_ENV", "development"),
		AppName: p.str("APP_ENV_APPLICATION_NAME", "bana"),
		Secret:  p.str("APP_ENV_APPLICATION_SECRET", ""),
		DataDir: p.str("APP_ENV_DATA_DIR", "data"),
		Server: Server{
			Host:          p.str("APP_ENV_SERVER_HOST", "0.0.0.0"),
			Port:          p.port("APP_ENV_SERVER_PORT", 8080),
			BasePath:      p.str("APP_ENV_SERVER_BASE_PATH", "/api"),
			CORSOrigins:   p.list("APP_ENV_CORS_ORIGINS", []string{"*"}),
			MaxBodyBytes:  int64(p.int("APP_ENV_SERVER_MAX_BODY_BYTES", 1<<20, 1024, 1<<30)),
			ResponseShape: p.oneOf("APP_ENV_SERVER_RESPONSE_SHAPE", "bana", "bana", "ignis"),
		},
		JWT: JWT{
			Secret:    p.str("APP_ENV_JWT_SECRET", ""),
			ExpiresIn: time.Duration(p.int("APP_ENV_JWT_EXPIRES_IN", 3600, 60, 30*86400)) * time.Second,
		},
		Postgres: Postgres{
			URL:      p.str("APP_ENV_POSTGRES_URL", ""),
			Host:     p.str("APP_ENV_POSTGRES_HOST", ""),
			Port:     p.port("APP_ENV_POSTGRES_PORT", 5432),
			Database: p.str("APP_ENV_POSTGRES_DATABASE", "bana"),
			Username: p.str("APP_ENV_POSTGRES_USERNAME", "postgres"),
			Password: p.str("APP_ENV_POSTGRES_PASSWORD", ""),
			MaxConns: p.int("APP_ENV_POSTGRES_MAX_CONNS", 20, 1, 1000),
		},
		Redis: Redis{
			Cache:            p.redis("APP_ENV_CACHE_REDIS", 0),
			Queue:            p.redis("APP_ENV_BULLMQ_REDIS", 1),
			PubSubPublisher:  p.redis("APP_ENV_PUBSUB_PUBLISHER_REDIS", 0),
			PubSubSubscriber: p.redis("APP_ENV_PUBSUB_SUBSCRIBER_REDIS", 0),
		},
		Minio: Minio{
			Host:      p.str("APP_ENV_MINIO_HOST", ""),
			APIPort:   p.port("APP_ENV_MINIO_API_PORT", 9000),
			AccessKey: p.str("APP_ENV_MINIO_ACCESS_KEY", ""),
			SecretKey: p.str("APP_ENV_MINIO_SECRET_KEY", ""),
			UseSSL:    p.bool("APP_ENV_MINIO_USE_SSL", false),
			Bucket:    p.str("APP_ENV_MINIO_BUCKET", "bana"),
		},
		Typesense: Typesense{
			APIKey:  p.str("APP_ENV_TYPESENSE_API_KEY", ""),
			Nodes:   p.nodes("APP_ENV_TYPESENSE_NODES"),
			Backend: p.oneOf("APP_ENV_SEARCH_BACKEND", "auto", "auto", "bleve", "typesense"),
		},
		Snowflake: Snowflake{
			WorkerID: int64(p.int("APP_ENV_SNOWFLAKE_WORKER_ID", 1, 0, 1023)),
			Epoch:    int64(p.int("APP_ENV_SNOWFLAKE_EPOCH_CHECKPOINT", 1704067200000, 0, int(time.Now().UnixMilli()))),
		},
		Mail: Mail{
			Host:     p.str("APP_ENV_MAIL_HOST", ""),
			Port:     p.port("APP_ENV_MAIL_PORT", 587),
			Username: p.str("APP_ENV_MAIL_USERNAME", ""),
			Password: p.str("APP_ENV_MAIL_PASSWORD", ""),
			From:     p.str("APP_ENV_MAIL_FROM", "BANA <no-reply@bana.local>"),
		},
		Services: Services{
			IdentityURL: p.url("APP_ENV_IDENTITY_SERVICE_URL"),
			CommerceURL: p.url("APP_ENV_COMMERCE_SERVICE_URL"),
		},
		Sale: Sale{
			OrderExpiry: p.duration("APP_ENV_SALE_ORDER_EXPIRY", 15*time.Minute),
		},
		Webhook: Webhook{
			AllowPrivate: p.bool("APP_ENV_WEBHOOK_ALLOW_PRIVATE", false),
			Timeout:      p.duration("APP_ENV_WEBHOOK_TIMEOUT", 15*time.Second),
			DisableAfter: p.duration("APP_ENV_WEBHOOK_DISABLE_AFTER", 24*time.Hour),
		},
		Jobs: Jobs{
			RescueAfter: p.duration("APP_ENV_JOBS_RESCUE_AFTER", 6*time.Minute),
		},
		Websocket: Websocket{
			RedisMode:   p.oneOf("APP_ENV_WEBSOCKET_REDIS_MODE", "single", "single", "cluster"),
			RedisNodes:  p.list("APP_ENV_WEBSOCKET_REDIS_NODES", nil),
			Heartbeat:   p.duration("APP_ENV_WEBSOCKET_HEARTBEAT", 25*time.Second),
			SendBuffer:  p.int("APP_ENV_WEBSOCKET_SEND_BUFFER", 64, 1, 65536),
			HistorySize: p.int("APP_ENV_WEBSOCKET_HISTORY_SIZE", 100, 1, 100000),
			HistoryTTL:  p.duration("APP_ENV_WEBSOCKET_HISTORY_TTL", 24*time.Hour),
		},
		Log: Log{
			Level:  p.oneOf("APP_ENV_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
			Format: p.oneOf("APP_ENV_LOG_FORMAT", "text", "text", "json"),
		},
		Modules: p.list("APP_ENV_SERVICES", nil),
	}
	if !strings.HasPrefix(c.Server.BasePath, "/") || (len(c.Server.BasePath) > 1 && strings.HasSuffix(c.Server.BasePath, "/")) {
		p.fail("APP_ENV_SERVER_BASE_PATH", c.Server.BasePath, "must start with / and not end with /")
	}
	if c.Jobs.RescueAfter < time.Second {
		p.fail("APP_ENV_JOBS_RESCUE_AFTER", c.Jobs.RescueAfter.String(), "must be at least 1s")
	}
	if c.Typesense.Backend == "typesense" && (len(c.Typesense.Nodes) == 0 || c.Typesense.APIKey == "") {
		p.fail("APP_ENV_SEARCH_BACKEND", "typesense", "needs APP_ENV_TYPESENSE_NODES and APP_ENV_TYPESENSE_API_KEY")
	}
	if c.Env == "production" {
		if len(c.Secret) < 32 {
			p.fail("APP_ENV_APPLICATION_SECRET", "(hidden)", "must be set to at least 32 characters in production")
		}
		if c.Webhook.AllowPrivate {
			p.fail("APP_ENV_WEBHOOK_ALLOW_PRIVATE", "true", "must not be set in production (webhooks to private addresses)")
		}
		if len(c.JWT.Secret) < 32 {
			p.fail("APP_ENV_JWT_SECRET", "(hidden)", "must be set to at least 32 characters in production")
		}
	}
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(p.errs, "; "))
	}
	return c, nil
}

type parser struct {
	get  Lookup
	errs []string
}

func (p *parser) fail(key, value, why string) {
	p.errs = append(p.errs, fmt.Sprintf("%s=%q %s", key, value, why))
}

func (p *parser) raw(key string) (string, bool) {
	v, ok := p.get(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (p *parser) str(key, def string) string {
	if v, ok := p.raw(key); ok {
		return v
	}
	return def
}

func (p *parser) int(key string, def, lo, hi int) int {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(key, v, "is not a whole number")
		return def
	}
	if n < lo || n > hi {
		p.fail(key, v, fmt.Sprintf("is out of range %d..%d", lo, hi))
		return def
	}
	return n
}

// duration reads a positive Go duration ("15m", "90s").
func (p *parser) duration(key string, def time.Duration) time.Duration {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(key, v, "is not a duration such as 15m or 90s")
		return def
	}
	if d <= 0 {
		p.fail(key, v, "must be positive")
		return def
	}
	return d
}

func (p *parser) port(key string, def int) int { return p.int(key, def, 1, 65535) }

func (p *parser) bool(key string, def bool) bool {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, v, "is not true or false")
		return def
	}
	return b
}

func (p *parser) list(key string, def []string) []string {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) oneOf(key, def string, allowed ...string) string {
	v := p.str(key, def)
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	p.fail(key, v, "must be one of "+strings.Join(allowed, ", "))
	return def
}

func (p *parser) url(key string) string {
	v, ok := p.raw(key)
	if !ok {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(key, v, "is not an http(s) URL")
		return ""
	}
	return strings.TrimSuffix(v, "/")
}

// nodes parses the document's protocol:host:port list.
func (p *parser) nodes(key string) []string {
	var out []string
	for _, n := range p.list(key, nil) {
		parts := strings.Split(n, ":")
		if len(parts) != 3 || (parts[0] != "http" && parts[0] != "https") || parts[1] == "" {
			p.fail(key, n, "wants protocol:host:port, comma separated")
			continue
		}
		if port, err := strconv.Atoi(parts[2]); err != nil || port < 1 || port > 65535 {
			p.fail(key, n, "has a bad port")
			continue
		}
		out = append(out, n)
	}
	return out
}

func (p *parser) redis(prefix string, defDB int) RedisEndpoint {
	return RedisEndpoint{
		Host:     p.str(prefix+"_HOST", ""),
		Port:     p.port(prefix+"_PORT", 6379),
		Password: p.str(prefix+"_PASSWORD", ""),
		DB:       p.int(prefix+"_DB", defDB, 0, 15),
	}
}

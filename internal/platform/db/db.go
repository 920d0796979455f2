// Package db opens BANA's database, SQLite (embedded default) or PostgreSQL, through bun, and
// carries transactions in the context so nested calls join the caller's transaction.
//
// SQLite allows one writer: writes and transactions go through a pool of exactly one connection
// whose transactions begin IMMEDIATE (no SQLITE_BUSY on lock upgrade), reads outside a
// transaction through a separate pool. On PostgreSQL both are the same pgx pool, and tables live
// in the document's schemas, found through the connection's search_path so that SQL names tables
// the same way on both dialects.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
)

// FoldFunc is the SQLite function that folds the case of every letter of a text (Trà, TRÀ and
// trà fold alike; so do Đ and đ), for the filter language's ilike: SQLite's own LIKE and lower()
// fold ASCII letters only. PostgreSQL's ILIKE folds every letter by itself (under a UTF-8
// LC_CTYPE such as C.UTF-8 or vi_VN.UTF-8; plain C folds ASCII only).
const FoldFunc = "bana_fold"

// Fold is FoldFunc's folding: Unicode lower case.
func Fold(s string) string { return strings.ToLower(s) }

// SQLite has no REGEXP function of its own; the filter language's regexp operator needs one. Nor
// does it fold non-ASCII letters (FoldFunc).
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("regexp", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		pat, ok1 := args[0].(string)
		s, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, nil
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, err
		}
		return re.MatchString(s), nil
	})
	if err != nil {
		panic(err)
	}
	err = sqlite.RegisterDeterministicScalarFunction(FoldFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return Fold(v), nil
		case []byte:
			return Fold(string(v)), nil
		}
		return args[0], nil // NULL, or a number LIKE compares as its text
	})
	if err != nil {
		panic(err)
	}
}

// Dialect names the database engine.
type Dialect string

// The two engines every test runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Schemas are the PostgreSQL schemas, in search_path order: the document's seven, then one for
// each module the document adds. Table names are unique across all of them.
var Schemas = []string{"public", "pricing", "allocation", "inventory", "sale", "finance", "payment",
	"ledger", "outreach", "licensing", "helpdesk", "invoice", "asset", "search"}

// DB is an open database.
type DB struct {
	Dialect Dialect
	// W runs writes and transactions. On SQLite it has exactly one connection.
	W *bun.DB
	// R runs reads outside a transaction. On PostgreSQL it is W.
	R *bun.DB
	// Pool is the pgx pool on PostgreSQL (for River's worker), nil on SQLite.
	Pool *pgxpool.Pool
	// Path is the SQLite file, empty on PostgreSQL.
	Path string
	// stmts caches prepared reads on SQLite, which otherwise compiles every query again
	// (pgx caches prepared statements per connection by itself).
	stmts *stmtCache
	// statements counts every statement sent (see Statements); shared with the pgx tracer or
	// the SQLite connector, hence a pointer.
	statements *counter
}

// Options say which database to open.
type Options struct {
	PostgresDSN string // empty: SQLite at SQLitePath
	MaxConns    int
	SQLitePath  string
}

// Open connects and checks the connection. It fails fast with a clear message when the server
// cannot be reached.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.PostgresDSN != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o.SQLitePath)
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.PostgresDSN)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad connection settings: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	cfg.ConnConfig.RuntimeParams["search_path"] = strings.Join(Schemas, ",")
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	statements := new(counter)
	cfg.ConnConfig.Tracer = pgStatementCounter{n: statements}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres at %s is unreachable: %w", redact(o.PostgresDSN), err)
	}
	sqldb := openPgSQL(pool)
	b := bun.NewDB(sqldb, pgdialect.New())
	return &DB{Dialect: Postgres, W: b, R: b, Pool: pool, statements: statements}, nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: no file path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		params.Add("_pragma", p)
	}
	params.Set("_time_format", "sqlite")
	wparams := url.Values{}
	for k, v := range params {
		wparams[k] = v
	}
	wparams.Set("_txlock", "immediate")
	statements := new(counter)
	wc, err := newSQLiteConnector("file:"+path+"?"+wparams.Encode(), statements)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w := sql.OpenDB(wc)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite at %s: %w", path, err)
	}
	rc, err := newSQLiteConnector("file:"+path+"?"+params.Encode(), statements)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r := sql.OpenDB(rc)
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{Dialect: SQLite, W: bun.NewDB(w, sqlitedialect.New()), R: bun.NewDB(r, sqlitedialect.New()), Path: path,
		stmts: newStmtCache(r), statements: statements}, nil
}

// Close releases every connection.
func (d *DB) Close() error {
	var err error
	if d.stmts != nil {
		d.stmts.close()
	}
	if d.R != d.W {
		err = d.R.Close()
	}
	if e := d.W.Close(); e != nil && err == nil {
		err = e
	}
	if d.Pool != nil {
		d.Pool.Close()
	}
	return err
}

// Ping checks the database within the deadline of ctx.
func (d *DB) Ping(ctx context.Context) error {
	if d.Pool != nil {
		return d.Pool.Ping(ctx)
	}
	_, err := d.R.ExecContext(ctx, "SELECT 1")
	return err
}

type txKey struct{}

type txState struct {
	tx    bun.Tx
	after []func()
}

// TxAttempts is how many times the outermost InTx runs fn when PostgreSQL breaks a deadlock or
// a serialization conflict: the loser of such a race wins on a retry.
const TxAttempts = 5

// InTx runs fn in a transaction carried by its context. If ctx already carries one, fn joins
// it; the outermost call commits, or rolls back when fn returns an error or panics, and runs fn
// again (up to TxAttempts in all) when the transaction lost a deadlock or serialization race, so
// fn must not have effects outside the transaction. Functions registered with AfterCommit run
// once the outermost transaction has committed.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	var err error
	for attempt := 0; attempt < TxAttempts; attempt++ {
		st := &txState{}
		err = d.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			st.tx = tx
			return fn(context.WithValue(ctx, txKey{}, st))
		})
		if err == nil {
			for _, f := range st.after {
				f()
			}
			return nil
		}
		if !Retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// AfterCommit runs f after the transaction in ctx commits, or at once when there is none. It is
// for effects that must not happen for a rolled-back change and may be lost (realtime fan-out).
func AfterCommit(ctx context.Context, f func()) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.after = append(st.after, f)
		return
	}
	f()
}

// InTransaction reports whether ctx carries a transaction.
func InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*txState)
	return ok
}

// Tx returns the transaction carried by ctx.
func Tx(ctx context.Context) (*sql.Tx, bool) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx.Tx, true
	}
	return nil, false
}

// IDB is the bun handle for writes: the transaction in ctx, else the write pool.
func (d *DB) IDB(ctx context.Context) bun.IDB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return d.W
}

// ReadIDB is the bun handle for reads: the transaction in ctx, else the read pool.
func (d *DB) ReadIDB(ctx context.Context) bun.IDB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return d.R
}

// Querier runs SQL with arguments bound by the driver (never interpolated).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Raw returns the driver-level handle: the transaction in ctx, else the write or read pool.
func (d *DB) Raw(ctx context.Context, write bool) Querier {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx.Tx
	}
	if write {
		return d.W.DB
	}
	if d.stmts != nil {
		return d.stmts
	}
	return d.R.DB
}

// Placeholder returns the n-th (1-based) bind placeholder of the dialect.
func (d *DB) Placeholder(n int) string {
	if d.Dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// Rebind turns ?-placeholders into the dialect's form. Do not use it on SQL with ? in literals.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

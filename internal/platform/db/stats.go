package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"modernc.org/sqlite"
)

// Statements returns how many SQL statements this DB has sent to the database since it opened,
// from every user of its connections: bun, the driver-level handles, the migrator and River. It
// is for benchmarks and metrics: the figure costs one atomic add per statement.
//
// A statement is one execution: BEGIN, COMMIT and ROLLBACK count, and so does each run of a
// prepared statement; preparing one does not, nor does a connection's own setup (PostgreSQL's
// startup, SQLite's pragmas) or a pool's liveness ping. On PostgreSQL each query of a batch and
// each COPY count once; a text with several statements separated by semicolons counts once on
// both dialects.
func (d *DB) Statements() int64 { return d.statements.all.Load() }

// ForegroundStatements is Statements less those sent under a context marked with Background
// (the job workers' and their pollers'): what requests and commands cost, so a test can count a
// request's statements while River polls its queues beside it.
func (d *DB) ForegroundStatements() int64 { return d.statements.foreground.Load() }

type backgroundKey struct{}

// Background marks ctx as background work: its statements count in Statements but not in
// ForegroundStatements. jobs.Client.Start marks the context River works under.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// counter counts statements: all of them, and those not sent under a Background context.
type counter struct{ all, foreground atomic.Int64 }

func (c *counter) add(ctx context.Context, n int64) {
	c.all.Add(n)
	if ctx == nil || ctx.Value(backgroundKey{}) == nil {
		c.foreground.Add(n)
	}
}

// pgStatementCounter is a pgx tracer that counts statements. Tracing is pgx's only hook that
// sees the pool's, database/sql's and River's queries alike.
type pgStatementCounter struct{ n *counter }

var (
	_ pgx.QueryTracer    = pgStatementCounter{}
	_ pgx.BatchTracer    = pgStatementCounter{}
	_ pgx.CopyFromTracer = pgStatementCounter{}
)

func (c pgStatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.add(ctx, 1)
	return ctx
}

func (pgStatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c pgStatementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if data.Batch != nil {
		c.n.add(ctx, int64(data.Batch.Len()))
	}
	return ctx
}

func (pgStatementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (pgStatementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c pgStatementCounter) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	c.n.add(ctx, 1)
	return ctx
}

func (pgStatementCounter) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// sqliteConnector opens SQLite connections that count the statements they run. It interposes the
// way modernc.org/sqlite documents on NewConnector: the connection wrapper forwards every
// optional interface the driver's connections implement, and unwraps for sqlite.Limit.
type sqliteConnector struct {
	driver.Connector
	n *counter
}

func newSQLiteConnector(dsn string, n *counter) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqliteConnector{Connector: c, n: n}, nil
}

// sqliteConnAPI is what every connection of modernc.org/sqlite implements; database/sql picks
// its code paths by these interfaces, so the wrapper must offer exactly them.
type sqliteConnAPI interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConnAPI)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite: the driver's connection lacks an interface the statement counter forwards")
	}
	return &countingConn{inner: inner, n: c.n}, nil
}

type countingConn struct {
	inner sqliteConnAPI
	n     *counter
}

var _ sqliteConnAPI = (*countingConn)(nil)

// Unwrap returns the driver's connection (sqlite.Limit looks through wrappers with it).
func (c *countingConn) Unwrap() driver.Conn { return c.inner }

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	inner, ok := s.(sqliteStmtAPI)
	if !ok {
		s.Close()
		return nil, errors.New("sqlite: the driver's statement lacks an interface the statement counter forwards")
	}
	return countingStmt{inner: inner, n: c.n}, nil
}

func (c *countingConn) Close() error { return c.inner.Close() }

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.add(ctx, 1)
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{inner: tx, n: c.n, ctx: ctx}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.inner.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) { // database/sql then prepares and runs it: counted there
		c.n.add(ctx, 1)
	}
	return r, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	r, err := c.inner.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.add(ctx, 1)
	}
	return r, err
}

func (c *countingConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

func (c *countingConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

func (c *countingConn) IsValid() bool { return c.inner.IsValid() }

type countingTx struct {
	inner driver.Tx
	n     *counter
	ctx   context.Context // BeginTx's: COMMIT and ROLLBACK count where BEGIN did
}

func (t countingTx) Commit() error {
	t.n.add(t.ctx, 1)
	return t.inner.Commit()
}

func (t countingTx) Rollback() error {
	t.n.add(t.ctx, 1)
	return t.inner.Rollback()
}

// sqliteStmtAPI is what every prepared statement of modernc.org/sqlite implements.
type sqliteStmtAPI interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type countingStmt struct {
	inner sqliteStmtAPI
	n     *counter
}

var _ sqliteStmtAPI = countingStmt{}

func (s countingStmt) Close() error  { return s.inner.Close() }
func (s countingStmt) NumInput() int { return s.inner.NumInput() }

func (s countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.add(ctx, 1)
	return s.inner.ExecContext(ctx, args)
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.add(ctx, 1)
	return s.inner.QueryContext(ctx, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

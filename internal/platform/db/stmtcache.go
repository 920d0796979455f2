package db

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache runs reads through statements prepared once per SQL text (database/sql then
// prepares each on a connection the first time it runs there). The query layer builds the same
// text for the same filter shape, so a few hundred entries cover a server's reads; past the
// bound, new texts run unprepared (a statement in the cache is never closed under a caller).
type stmtCache struct {
	db  *sql.DB
	mu  sync.Mutex
	m   map[string]*sql.Stmt
	max int
}

func newStmtCache(d *sql.DB) *stmtCache {
	return &stmtCache{db: d, m: map[string]*sql.Stmt{}, max: 512}
}

func (c *stmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	s, ok := c.m[q]
	full := len(c.m) >= c.max
	c.mu.Unlock()
	if ok || full {
		return s, nil
	}
	// Prepare outside the lock: preparing takes a connection, and a caller holding one while it
	// waits for the lock must not wait on us.
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if other, ok := c.m[q]; ok {
		s.Close()
		return other, nil
	}
	if len(c.m) >= c.max { // filled by others while this one was prepared: run it unprepared
		s.Close()
		return nil, nil
	}
	c.m[q] = s
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.m {
		s.Close()
		delete(c.m, k)
	}
}

// QueryContext runs a cached statement.
func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.db.QueryContext(ctx, q, args...)
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs a cached statement for one row.
func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, q)
	if err != nil || s == nil {
		// A statement that does not prepare fails the same way when run directly.
		return c.db.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// ExecContext runs a statement directly: reads do not exec.
func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, q, args...)
}

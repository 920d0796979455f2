package db

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPgSQL opens database/sql over the pgx pool, for bun and River's database/sql driver.
//
// bun writes its arguments into the SQL text, so the statements it sends have no parameters and
// almost every text is new (ids, amounts, times). pgx's default mode prepares and caches every
// text it is asked to query, which for such a text costs a second round trip (Parse and Describe
// before Bind and Execute), a plan that is never reused, and a DEALLOCATE when the cache of 512
// statements evicts it. A query without parameters therefore goes in one round trip over the
// simple protocol, as pgx already does for an Exec without them; a query with parameters (the
// hand-written SQL of the stores and River's) keeps its cached prepared statement.
func openPgSQL(pool *pgxpool.Pool) *sql.DB {
	sqldb := sql.OpenDB(simpleWhenNoArgs{stdlib.GetPoolConnector(pool)})
	sqldb.SetMaxIdleConns(0) // connections are pooled by pgxpool (see stdlib.OpenDBFromPool)
	return sqldb
}

type simpleWhenNoArgs struct{ driver.Connector }

func (c simpleWhenNoArgs) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		return conn, nil
	}
	return simpleConn{sc}, nil
}

// simpleConn is a stdlib connection (every interface of it promoted) whose parameterless queries
// use the simple protocol.
type simpleConn struct{ *stdlib.Conn }

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c simpleConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	return c.Conn.QueryContext(ctx, query, args)
}

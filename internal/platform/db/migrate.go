package db

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// MigrationFiles returns the "migrations" folder of a module's embedded files (its
// //go:embed migrations/*.sql), the FS of its Migrations. A module without that folder is a
// programming error, found at start-up.
func MigrationFiles(embedded fs.FS) fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(fmt.Sprintf("db: embedded migrations: %v", err))
	}
	return sub
}

// Migrations are one module's schema changes: SQL files embedded from FS and Go steps (seeds),
// ordered together by version. A SQL file is named NNNN_name.sql and has an "-- +up" section and
// an optional "-- +down" section. It is a text/template with these functions:
//
//	{{table "orders"}}  the table qualified by the module's schema on PostgreSQL
//	{{json}} {{ts}}     JSONB / TEXT, TIMESTAMPTZ / TIMESTAMP
//	{{if pg}}...{{end}} dialect-specific parts ({{if sqlite}} too)
type Migrations struct {
	Module string
	Schema string // PostgreSQL schema of the module's tables; "public" when empty
	FS     fs.FS  // folder holding the .sql files, may be nil
	Steps  []Step // Go steps such as seeds
}

// Step is one Go migration or seed.
type Step struct {
	Version int
	Name    string
	Up      func(ctx context.Context, d *DB) error
	Down    func(ctx context.Context, d *DB) error
	// NoTx runs the step outside a transaction (for migrators that manage their own).
	NoTx bool
}

// Status is one migration's state.
type Status struct {
	Module    string     `json:"module"`
	Version   int        `json:"version"`
	Name      string     `json:"name"`
	AppliedAt *time.Time `json:"appliedAt,omitempty"`
}

type migration struct {
	module, schema string
	Step
	upSQL, downSQL string
	isSQL          bool
}

var fileRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrator applies and reverts migrations and records them in bana_migrations (the document's
// MigrationRepository).
type Migrator struct {
	db   *DB
	list []migration
}

// NewMigrator loads and renders every set.
func NewMigrator(d *DB, sets ...Migrations) (*Migrator, error) {
	m := &Migrator{db: d}
	for _, s := range sets {
		schema := s.Schema
		if schema == "" {
			schema = "public"
		}
		seen := map[int]string{}
		add := func(mg migration) error {
			if prev, ok := seen[mg.Version]; ok {
				return fmt.Errorf("migrations of %s: version %d used by %s and %s", s.Module, mg.Version, prev, mg.Name)
			}
			seen[mg.Version] = mg.Name
			m.list = append(m.list, mg)
			return nil
		}
		if s.FS != nil {
			entries, err := fs.ReadDir(s.FS, ".")
			if err != nil {
				return nil, fmt.Errorf("migrations of %s: %w", s.Module, err)
			}
			for _, e := range entries {
				mt := fileRe.FindStringSubmatch(e.Name())
				if mt == nil {
					continue
				}
				v, _ := strconv.Atoi(mt[1])
				raw, err := fs.ReadFile(s.FS, e.Name())
				if err != nil {
					return nil, err
				}
				up, down, err := d.render(schema, path.Join(s.Module, e.Name()), string(raw))
				if err != nil {
					return nil, err
				}
				if err := add(migration{module: s.Module, schema: schema, Step: Step{Version: v, Name: mt[2]}, upSQL: up, downSQL: down, isSQL: true}); err != nil {
					return nil, err
				}
			}
		}
		for _, st := range s.Steps {
			if err := add(migration{module: s.Module, schema: schema, Step: st}); err != nil {
				return nil, err
			}
		}
	}
	// Stable order: modules in the order given, versions ascending within each.
	order := map[string]int{}
	for i, s := range sets {
		order[s.Module] = i
	}
	sort.SliceStable(m.list, func(i, j int) bool {
		a, b := m.list[i], m.list[j]
		if a.module != b.module {
			return order[a.module] < order[b.module]
		}
		return a.Version < b.Version
	})
	return m, nil
}

func (d *DB) render(schema, name, raw string) (up, down string, err error) {
	pg := d.Dialect == Postgres
	funcs := template.FuncMap{
		"table": func(t string) string {
			if pg {
				return schema + "." + t
			}
			return t
		},
		"json": func() string {
			if pg {
				return "JSONB"
			}
			return "TEXT"
		},
		"ts": func() string {
			if pg {
				return "TIMESTAMPTZ"
			}
			return "TIMESTAMP"
		},
		"pg":     func() bool { return pg },
		"sqlite": func() bool { return !pg },
	}
	t, err := template.New(name).Funcs(funcs).Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("migration %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return "", "", fmt.Errorf("migration %s: %w", name, err)
	}
	s := b.String()
	i := strings.Index(s, "-- +up")
	if i < 0 {
		return "", "", fmt.Errorf("migration %s: no -- +up section", name)
	}
	s = s[i+len("-- +up"):]
	if j := strings.Index(s, "-- +down"); j >= 0 {
		return strings.TrimSpace(s[:j]), strings.TrimSpace(s[j+len("-- +down"):]), nil
	}
	return strings.TrimSpace(s), "", nil
}

func (m *Migrator) ensureTable(ctx context.Context) error {
	_, err := m.db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bana_migrations (
		module TEXT NOT NULL,
		version INTEGER NOT NULL,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL,
		PRIMARY KEY (module, version))`)
	return err
}

func (m *Migrator) applied(ctx context.Context) (map[string]time.Time, error) {
	rows, err := m.db.Raw(ctx, true).QueryContext(ctx, "SELECT module, version, applied_at FROM bana_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var mod string
		var v int
		var at time.Time
		if err := rows.Scan(&mod, &v, &at); err != nil {
			return nil, err
		}
		out[key(mod, v)] = at
	}
	return out, rows.Err()
}

func key(module string, v int) string { return module + "#" + strconv.Itoa(v) }

// Status lists every known migration and when it was applied.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	if err := m.ensureTable(ctx); err != nil {
		return nil, err
	}
	done, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(m.list))
	for _, mg := range m.list {
		s := Status{Module: mg.module, Version: mg.Version, Name: mg.Name}
		if at, ok := done[key(mg.module, mg.Version)]; ok {
			at := at.UTC()
			s.AppliedAt = &at
		}
		out = append(out, s)
	}
	return out, nil
}

// lock serializes migrators of several processes on PostgreSQL; SQLite's IMMEDIATE transactions
// already do.
func (m *Migrator) lock(ctx context.Context) error {
	if m.db.Dialect == Postgres {
		_, err := m.db.Raw(ctx, true).ExecContext(ctx, "SELECT pg_advisory_xact_lock(724310)")
		return err
	}
	return nil
}

// Up applies every pending migration, each in its own transaction, and returns their names.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	if err := m.ensureTable(ctx); err != nil {
		return nil, fmt.Errorf("migrations table: %w", err)
	}
	var names []string
	schemas := map[string]bool{}
	for _, mg := range m.list {
		if m.db.Dialect == Postgres && !schemas[mg.schema] {
			if _, err := m.db.W.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+mg.schema); err != nil {
				return names, fmt.Errorf("schema %s: %w", mg.schema, err)
			}
			schemas[mg.schema] = true
		}
		done := false
		run := func(ctx context.Context) error {
			if err := m.lock(ctx); err != nil {
				return err
			}
			var n int
			if err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind("SELECT count(*) FROM bana_migrations WHERE module = ? AND version = ?"), mg.module, mg.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if err := m.exec(ctx, mg, true); err != nil {
				return err
			}
			done = true
			_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind("INSERT INTO bana_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)"), mg.module, mg.Version, mg.Name, time.Now().UTC())
			return err
		}
		var err error
		if mg.NoTx {
			already, aerr := m.applied(ctx)
			if aerr != nil {
				return names, aerr
			}
			if _, ok := already[key(mg.module, mg.Version)]; ok {
				continue
			}
			if err = m.exec(ctx, mg, true); err == nil {
				done = true
				_, err = m.db.W.DB.ExecContext(ctx, m.db.Rebind("INSERT INTO bana_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)"), mg.module, mg.Version, mg.Name, time.Now().UTC())
			}
		} else {
			err = m.db.InTx(ctx, run)
		}
		if err != nil {
			return names, fmt.Errorf("migration %s %04d_%s: %w", mg.module, mg.Version, mg.Name, err)
		}
		if done {
			names = append(names, fmt.Sprintf("%s %04d_%s", mg.module, mg.Version, mg.Name))
		}
	}
	return names, nil
}

// Down reverts the last n applied migrations, newest first.
func (m *Migrator) Down(ctx context.Context, n int) ([]string, error) {
	st, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]migration{}
	for _, mg := range m.list {
		byKey[key(mg.module, mg.Version)] = mg
	}
	var applied []Status
	for _, s := range st {
		if s.AppliedAt != nil {
			applied = append(applied, s)
		}
	}
	// Newest first: reverse of the apply order (the list order).
	var names []string
	for i := len(applied) - 1; i >= 0 && len(names) < n; i-- {
		mg := byKey[key(applied[i].Module, applied[i].Version)]
		err := m.db.InTx(ctx, func(ctx context.Context) error {
			if err := m.lock(ctx); err != nil {
				return err
			}
			if err := m.exec(ctx, mg, false); err != nil {
				return err
			}
			_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind("DELETE FROM bana_migrations WHERE module = ? AND version = ?"), mg.module, mg.Version)
			return err
		})
		if err != nil {
			return names, fmt.Errorf("revert %s %04d_%s: %w", mg.module, mg.Version, mg.Name, err)
		}
		names = append(names, fmt.Sprintf("%s %04d_%s", mg.module, mg.Version, mg.Name))
	}
	return names, nil
}

func (m *Migrator) exec(ctx context.Context, mg migration, up bool) error {
	if !mg.isSQL {
		f := mg.Down
		if up {
			f = mg.Up
		}
		if f == nil {
			if up {
				return nil
			}
			return fmt.Errorf("no down step")
		}
		return f(ctx, m.db)
	}
	q := mg.downSQL
	if up {
		q = mg.upSQL
	}
	if !up && q == "" {
		return fmt.Errorf("no -- +down section")
	}
	for _, stmt := range splitStatements(q) {
		if _, err := m.db.Raw(ctx, true).ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\nin: %s", err, stmt)
		}
	}
	return nil
}

// splitStatements splits on semicolons at line ends, which keeps migration files simple (no
// semicolons inside string literals at the end of a line).
func splitStatements(q string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(q, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			if s := strings.TrimSpace(cur.String()); s != ";" {
				out = append(out, strings.TrimSuffix(s, ";"))
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
)

// OptText is optional text: the empty string means absent, is stored as NULL and is read back
// from NULL, so that a filter's {"field": null} finds the rows without it, and neq and nin leave
// them out as SQL does (docs/decisions/0016-null-for-absent-text.md). In JSON it is a string,
// omitted when empty (omitempty); Go code compares it with "" as with a string.
type OptText string

// Value stores "" as NULL.
func (t OptText) Value() (driver.Value, error) {
	if t == "" {
		return nil, nil
	}
	return string(t), nil
}

// Scan reads NULL as "".
func (t *OptText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = ""
	case string:
		*t = OptText(v)
	case []byte:
		*t = OptText(v)
	default:
		return fmt.Errorf("db: cannot read %T as text", src)
	}
	return nil
}

// TextColumns names text columns of one table.
type TextColumns struct {
	Table   string
	Columns []string
}

// OptionalText is the migration step that turns text columns created as
// TEXT NOT NULL with the empty string for default into optional ones: nullable, without a default, and NULL where
// they held the empty string. Its Down step restores the old definition.
//
// PostgreSQL alters the columns. SQLite cannot drop a NOT NULL with ALTER TABLE; its documented
// procedure for removing a NOT NULL constraint or a default, which leaves the stored rows as they
// are, edits the table's CREATE statement in sqlite_schema and bumps the schema version
// (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
// Unlike a table rebuild, it keeps the table's indexes, triggers and the foreign keys that point
// to it, and needs foreign keys neither off nor deferred. The table's triggers are dropped while
// its empty strings become NULL and created again: the conversion changes nothing Go code reads (OptText
// reads both as ""), and append-only tables refuse every UPDATE otherwise.
func OptionalText(version int, name string, tables ...TextColumns) Step {
	return Step{Version: version, Name: name,
		Up: func(ctx context.Context, d *DB) error {
			for _, t := range tables {
				if err := d.optionalText(ctx, t, true); err != nil {
					return fmt.Errorf("%s: %w", t.Table, err)
				}
			}
			return nil
		},
		Down: func(ctx context.Context, d *DB) error {
			for i := len(tables) - 1; i >= 0; i-- {
				if err := d.optionalText(ctx, tables[i], false); err != nil {
					return fmt.Errorf("%s: %w", tables[i].Table, err)
				}
			}
			return nil
		}}
}

func (d *DB) optionalText(ctx context.Context, t TextColumns, up bool) error {
	if len(t.Columns) == 0 {
		return nil
	}
	if d.Dialect == Postgres {
		return d.optionalTextPostgres(ctx, t, up)
	}
	return d.optionalTextSQLite(ctx, t, up)
}

// convert sets every empty string of the columns to NULL (up), or every NULL to one (down).
func convert(t TextColumns, up bool) string {
	sets := make([]string, len(t.Columns))
	conds := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if up {
			sets[i] = fmt.Sprintf("%s = NULLIF(%s, '')", c, c)
			conds[i] = c + " = ''"
		} else {
			sets[i] = fmt.Sprintf("%s = COALESCE(%s, '')", c, c)
			conds[i] = c + " IS NULL"
		}
	}
	return "UPDATE " + t.Table + " SET " + strings.Join(sets, ", ") + " WHERE " + strings.Join(conds, " OR ")
}

func (d *DB) optionalTextPostgres(ctx context.Context, t TextColumns, up bool) error {
	q := d.Raw(ctx, true)
	var alter []string
	for _, c := range t.Columns {
		if up {
			alter = append(alter, "ALTER COLUMN "+c+" DROP NOT NULL", "ALTER COLUMN "+c+" DROP DEFAULT")
		} else {
			alter = append(alter, "ALTER COLUMN "+c+" SET NOT NULL", "ALTER COLUMN "+c+" SET DEFAULT ''")
		}
	}
	convertRows := []string{
		"ALTER TABLE " + t.Table + " DISABLE TRIGGER USER",
		convert(t, up),
		"ALTER TABLE " + t.Table + " ENABLE TRIGGER USER",
	}
	stmts := append([]string{"ALTER TABLE " + t.Table + " " + strings.Join(alter, ", ")}, convertRows...)
	if !up {
		stmts = append(convertRows, stmts[0])
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%w\nin: %s", err, s)
		}
	}
	return nil
}

func (d *DB) optionalTextSQLite(ctx context.Context, t TextColumns, up bool) error {
	q := d.Raw(ctx, true)
	type trigger struct{ name, sql string }
	var triggers []trigger
	rows, err := q.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", t.Table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var tr trigger
		if err := rows.Scan(&tr.name, &tr.sql); err != nil {
			rows.Close()
			return err
		}
		triggers = append(triggers, tr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, tr := range triggers {
		if _, err := q.ExecContext(ctx, `DROP TRIGGER "`+tr.name+`"`); err != nil {
			return err
		}
	}
	// The rows are converted while the columns are nullable: SQLite checks NOT NULL on writes
	// only, and drops "IS NULL" on a column declared NOT NULL.
	if up {
		if err := editTable(ctx, q, t, textRequired, textNullable); err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, convert(t, up)); err != nil {
		return err
	}
	if !up {
		if err := editTable(ctx, q, t, textNullable, textRequired); err != nil {
			return err
		}
	}
	for _, tr := range triggers {
		if _, err := q.ExecContext(ctx, tr.sql); err != nil {
			return fmt.Errorf("%w\nin: %s", err, tr.sql)
		}
	}
	return nil
}

// The definitions of a text column that optionalText moves between.
const (
	textRequired = iota // col TEXT NOT NULL DEFAULT ''
	textNullable        // col TEXT
)

// editTable rewrites the definitions of t's columns in its CREATE TABLE statement, by the
// documented edit of sqlite_schema.
func editTable(ctx context.Context, q Querier, t TextColumns, from, to int) error {
	var create string
	if err := q.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", t.Table).Scan(&create); err != nil {
		return fmt.Errorf("reading its definition: %w", err)
	}
	for _, c := range t.Columns {
		var err error
		if create, err = rewriteColumn(create, c, from, to); err != nil {
			return err
		}
	}
	var version int64
	if err := q.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	for _, s := range []string{"PRAGMA writable_schema = ON",
		"UPDATE sqlite_master SET sql = " + quoteLiteral(create) + " WHERE type = 'table' AND name = " + quoteLiteral(t.Table),
		fmt.Sprintf("PRAGMA schema_version = %d", version+1),
		"PRAGMA writable_schema = OFF"} {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%w\nin: %s", err, s)
		}
	}
	return nil
}

// rewriteColumn changes column col's definition in a CREATE TABLE statement from one form to
// another. The definition must be found exactly once.
func rewriteColumn(create, col string, from, to int) (string, error) {
	name := `(?i)((?:^|[\s(,])"?` + regexp.QuoteMeta(col) + `"?\s+TEXT)`
	pattern := [...]string{
		textRequired: name + `\s+NOT\s+NULL\s+DEFAULT\s+''`,
		textNullable: name + `\b(\s*[,)\n]|\s+CHECK\b|\s*--)`,
	}[from]
	keep := ""
	if from == textNullable {
		keep = "${2}"
	}
	replacement := [...]string{
		textRequired: "${1} NOT NULL DEFAULT ''",
		textNullable: "${1}",
	}[to] + keep
	re := regexp.MustCompile(pattern)
	if n := len(re.FindAllStringIndex(create, -1)); n != 1 {
		return "", fmt.Errorf("column %s: found its definition %d times in %q", col, n, create)
	}
	return re.ReplaceAllString(create, replacement), nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

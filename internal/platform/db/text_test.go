package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// oldSchema is a table as the first migrations made them: optional text NOT NULL with an empty default, a
// child table whose rows a rebuild of the parent would cascade away, an index and an append-only
// trigger on the parent.
const oldSchema = `-- +up
CREATE TABLE {{table "notes"}} (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL,
    -- the optional ones
    note TEXT NOT NULL DEFAULT '',
    "code" TEXT NOT NULL DEFAULT '' CHECK (code IN ('', 'A', 'B')),
    purchase_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notes_code ON {{table "notes"}} (code);
CREATE TABLE {{table "note_children"}} (id BIGINT PRIMARY KEY,
    note_id BIGINT NOT NULL REFERENCES {{table "notes"}} (id) ON DELETE CASCADE);
{{if pg}}
CREATE FUNCTION {{table "notes_frozen"}}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'frozen'; END $$;
CREATE TRIGGER notes_no_update BEFORE UPDATE ON {{table "notes"}} FOR EACH ROW EXECUTE FUNCTION {{table "notes_frozen"}}();
{{else}}
CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes BEGIN SELECT RAISE(ABORT, 'frozen'); END;
{{end}}
`

func TestOptionalTextMigration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		set := db.Migrations{Module: "notes", Schema: "public", FS: fstest.MapFS{"0001_notes.sql": {Data: []byte(oldSchema)}}}
		m, err := db.NewMigrator(d, set)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"INSERT INTO notes (id, title) VALUES (1, 'defaults')",
			"INSERT INTO notes (id, title, note, code, purchase_note) VALUES (2, 'empty', '', '', '')",
			"INSERT INTO notes (id, title, note, code, purchase_note) VALUES (3, 'set', 'n', 'A', 'p')",
			"INSERT INTO note_children (id, note_id) VALUES (10, 1), (20, 2), (30, 3)",
		} {
			if _, err := d.W.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		set.Steps = []db.Step{db.OptionalText(2, "optional_text", db.TextColumns{Table: "notes", Columns: []string{"note", "code", "purchase_note"}})}
		if m, err = db.NewMigrator(d, set); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}

		// Read through the read pool: another connection must see the new schema and rows.
		nulls := func(q string) []int64 {
			t.Helper()
			rows, err := d.Raw(ctx, false).QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ids []int64
			for rows.Next() {
				var n int64
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, n)
			}
			return ids
		}
		for _, tc := range []struct {
			q    string
			want string
		}{
			{"SELECT id FROM notes WHERE note IS NULL AND code IS NULL AND purchase_note IS NULL ORDER BY id", "[1 2]"},
			{"SELECT id FROM notes WHERE note = '' OR code = '' OR purchase_note = ''", "[]"},
			{"SELECT id FROM notes WHERE code <> 'B' ORDER BY id", "[3]"},
			{"SELECT id FROM note_children ORDER BY id", "[10 20 30]"},
		} {
			t.Run(tc.q, func(t *testing.T) {
				if got := fmt.Sprint(nulls(tc.q)); got != tc.want {
					t.Errorf("got %s, want %s", got, tc.want)
				}
			})
		}

		// The new rules: NULL is accepted, values outside the old CHECK are not, the
		// trigger still runs, OptText reads NULL as "".
		if _, err := d.W.ExecContext(ctx, "INSERT INTO notes (id, title) VALUES (4, 'nulls')"); err != nil {
			t.Fatalf("insert with NULLs: %v", err)
		}
		var got db.OptText = "x"
		if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT note FROM notes WHERE id = 4").Scan(&got); err != nil || got != "" {
			t.Fatalf("scan NULL: %q, %v", got, err)
		}
		if _, err := d.W.DB.ExecContext(ctx, d.Rebind("INSERT INTO notes (id, title, note) VALUES (5, 'opt', ?)"), db.OptText("")); err != nil {
			t.Fatalf("insert an empty OptText: %v", err)
		}
		for _, q := range []string{
			"INSERT INTO notes (id, title, code) VALUES (7, 'bad', 'C')",
			"UPDATE notes SET title = 'x' WHERE id = 3",
		} {
			if _, err := d.W.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}

		// Down restores the old definition: '' for NULL, NOT NULL again.
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if ids := nulls("SELECT id FROM notes WHERE note = '' AND code = '' ORDER BY id"); fmt.Sprint(ids) != "[1 2 4 5]" {
			t.Errorf("after down, rows with '': %v", ids)
		}
		if _, err := d.W.ExecContext(ctx, "INSERT INTO notes (id, title, note) VALUES (8, 'null', NULL)"); err == nil {
			t.Error("after down, NULL accepted")
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		var n sql.NullInt64
		if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT count(*) FROM notes WHERE note IS NULL").Scan(&n); err != nil || n.Int64 != 4 {
			t.Errorf("up again: %d NULL notes, %v", n.Int64, err)
		}
	})
}

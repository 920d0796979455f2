package db_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// SQLite's own lower() and LIKE fold ASCII only; bana_fold folds every letter, so that the filter
// language's ilike finds "Trà" with "TRÀ" (PostgreSQL's ILIKE does it by itself).
func TestFoldOnSQLite(t *testing.T) {
	d := dbtest.Open(t, dbtest.Target{Name: "sqlite", Options: db.Options{SQLitePath: filepath.Join(t.TempDir(), "bana.db")}})
	cases := []struct{ in, want string }{
		{"TRÀ ĐÁ", "trà đá"}, {"Bánh Mì Ốp La", "bánh mì ốp la"}, {"ƯỚT ĂN", "ướt ăn"}, {"abc", "abc"},
	}
	for _, c := range cases {
		var got string
		if err := d.R.QueryRowContext(context.Background(), "SELECT "+db.FoldFunc+"(?)", c.in).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s(%q) = %q %v, want %q", db.FoldFunc, c.in, got, err, c.want)
		}
	}
	var like, plain bool
	if err := d.R.QueryRowContext(context.Background(), "SELECT "+db.FoldFunc+"('Trà đào') LIKE "+db.FoldFunc+"('%TRÀ%'), 'Trà đào' LIKE '%TRÀ%'").Scan(&like, &plain); err != nil {
		t.Fatal(err)
	}
	if !like || plain {
		t.Errorf("folded LIKE %v, plain LIKE %v: want true, false", like, plain)
	}
	var null *string
	if err := d.R.QueryRowContext(context.Background(), "SELECT "+db.FoldFunc+"(NULL)").Scan(&null); err != nil || null != nil {
		t.Errorf("NULL folds to %v %v", null, err)
	}
}

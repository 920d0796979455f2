package query

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// benchProduct carries the fields IGNIS's filter documentation uses in its examples.
type benchProduct struct {
	bun.BaseModel `bun:"table:bench_products"`
	ID            id.ID           `bun:"id,pk" json:"id"`
	Name          string          `bun:"name" json:"name"`
	Code          string          `bun:"code" json:"code"`
	Email         string          `bun:"email" json:"email"`
	Status        string          `bun:"status" json:"status" enum:"ACTIVE,INACTIVE,PENDING"`
	Price         int64           `bun:"price" json:"price"`
	Verified      bool            `bun:"verified" json:"verified"`
	Tags          json.RawMessage `bun:"tags" json:"tags"`
	Metadata      json.RawMessage `bun:"metadata" json:"metadata"`
	CreatedAt     time.Time       `bun:"created_at" json:"createdAt"`
	DeletedAt     *time.Time      `bun:"deleted_at" json:"deletedAt,omitempty"`
}

// ignisExamples are the filters of IGNIS's filter documentation (packages/docs/wiki/references/
// base/filter-system), written for benchProduct. acceptedOnMain marks those BANA accepted before
// issue 22, so that the benchmark compares like with like.
var ignisExamples = []struct {
	filter         string
	acceptedOnMain bool
}{
	{`{"where":{"status":"ACTIVE"}}`, true},
	{`{"where":{"status":{"eq":"ACTIVE"}}}`, true},
	{`{"where":{"deletedAt":null}}`, true},
	{`{"where":{"deletedAt":{"eq":null}}}`, true},
	{`{"where":{"id":[1,2,3]}}`, false},
	{`{"where":{"status":{"ne":"INACTIVE"}}}`, false},
	{`{"where":{"status":{"neq":"INACTIVE"}}}`, true},
	{`{"where":{"deletedAt":{"ne":null}}}`, false},
	{`{"where":{"price":{"gt":100}}}`, true},
	{`{"where":{"createdAt":{"gt":"2024-01-01"}}}`, true},
	{`{"where":{"name":{"gt":"M"}}}`, true},
	{`{"where":{"price":{"gte":18,"lt":65}}}`, true},
	{`{"where":{"status":{"in":["ACTIVE","PENDING"]}}}`, true},
	{`{"where":{"status":{"inq":["ACTIVE","PENDING"]}}}`, true},
	{`{"where":{"status":{"nin":["INACTIVE"]}}}`, true},
	{`{"where":{"id":{"in":[]}}}`, true},
	{`{"where":{"id":{"nin":[]}}}`, true},
	{`{"where":{"status":{"in":"ACTIVE"}}}`, false},
	{`{"where":{"deletedAt":{"is":null}}}`, false},
	{`{"where":{"status":{"is":"ACTIVE"}}}`, false},
	{`{"where":{"deletedAt":{"isn":null}}}`, false},
	{`{"where":{"status":{"isn":"INACTIVE"}}}`, false},
	{`{"where":{"email":{"like":"%@gmail.com"}}}`, true},
	{`{"where":{"code":{"like":"A_B"}}}`, true},
	{`{"where":{"email":{"nlike":"%@test.com"}}}`, false},
	{`{"where":{"name":{"ilike":"%john%"}}}`, true},
	{`{"where":{"email":{"nilike":"%@example%"}}}`, false},
	{`{"where":{"code":{"regexp":"^[A-Z]"}}}`, true},
	{`{"where":{"name":{"iregexp":"^john"}}}`, true},
	{`{"where":{"price":{"between":[100,500]}}}`, true},
	{`{"where":{"price":{"notBetween":[40,60]}}}`, true},
	{`{"where":{"status":"ACTIVE","verified":true}}`, true},
	{`{"where":{"and":[{"status":"ACTIVE"},{"status":{"in":["ACTIVE","PENDING"]}},{"createdAt":{"gte":"2024-01-01"}}]}}`, true},
	{`{"where":{"or":[{"status":"ACTIVE"},{"verified":true}]}}`, true},
	{`{"where":{"or":[{"and":[{"status":"ACTIVE"},{"verified":true}]},{"code":"ADMIN"}]}}`, true},
	{`{"where":{"status":"ACTIVE","deletedAt":{"is":null},"or":[{"and":[{"verified":true},{"price":{"gte":45}}]},{"and":[{"verified":false},{"price":{"gte":10}}]}]}}`, false},
	{`{"where":{"or":[]}}`, true},
	{`{"where":{"and":[]}}`, true},
	{`{"where":{"tags":{"contains":["electronics","featured"]}}}`, false},
	{`{"where":{"tags":{"containedBy":["sale","featured","new","popular"]}}}`, false},
	{`{"where":{"tags":{"overlaps":["premium","sale"]}}}`, false},
	{`{"where":{"metadata.user.id":123}}`, false},
	{`{"where":{"metadata.user.role":"admin"}}`, false},
	{`{"where":{"metadata.tags[0]":"urgent"}}`, false},
	{`{"where":{"metadata.score":{"gt":80}}}`, false},
	{`{"where":{"metadata.level":{"ilike":"%high%"}}}`, false},
	{`{"where":{"metadata.status":{"in":["pending","review"]}}}`, false},
	{`{"where":{"status":"ACTIVE"},"fields":["id","email","name"],"order":["createdAt DESC"],"limit":10,"skip":0}`, true},
	{`{"fields":{"id":true,"email":true,"name":true}}`, true},
	{`{"fields":{"email":false,"code":false}}`, true},
	{`{"order":["status ASC","createdAt DESC"]}`, true},
	{`{"order":["name"]}`, true},
	{`{"order":["metadata.priority DESC"]}`, false},
	{`{"limit":10,"skip":10}`, true},
	{`{"where":{"status":"ACTIVE"},"fields":["id","name","price","createdAt"],"order":["price ASC","createdAt DESC"],"limit":20,"skip":0}`, true},
}

// compileOnce parses a filter and compiles its where and order, as a list request does before
// it reaches the database.
func compileOnce(t *Table[benchProduct], raw string) error {
	f, err := ParseFilter(raw, "query.filter")
	if err != nil {
		return err
	}
	if _, err := t.Where(f.Where, "query.filter.where"); err != nil {
		return err
	}
	_, err = t.orderBy(f.Order, "query.filter.order")
	return err
}

// BenchmarkCompile measures the filter compiler over IGNIS's documented examples, on both
// dialects: "main" over the examples BANA accepted before issue 22, "all" over every one.
// cpu-ns/filter is the CPU time per filter, the figure to compare on a busy machine.
func BenchmarkCompile(b *testing.B) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t := NewTable[benchProduct]("bench", &db.DB{Dialect: d}, nil, Options{})
		for _, set := range []string{"main", "all"} {
			var list []string
			for _, e := range ignisExamples {
				if set == "all" || e.acceptedOnMain {
					list = append(list, e.filter)
				}
			}
			b.Run(string(d)+"/"+set, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					for _, raw := range list {
						_ = compileOnce(t, raw)
					}
				}
				cpu = cpuTime() - cpu
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(list)), "ns/filter")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(list)), "cpu-ns/filter")
			})
		}
	}
}

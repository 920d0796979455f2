package id

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

func TestUniqueAndOrderedUnderConcurrency(t *testing.T) {
	g, err := NewGenerator(7, DefaultEpoch)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 20000
	var mu sync.Mutex
	seen := make(map[ID]bool, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]ID, 0, each)
			prev := ID(0)
			for i := 0; i < each; i++ {
				v := g.Next()
				if v <= prev {
					t.Errorf("not increasing: %d after %d", v, prev)
					return
				}
				prev = v
				local = append(local, v)
			}
			mu.Lock()
			for _, v := range local {
				if seen[v] {
					t.Errorf("duplicate %d", v)
				}
				seen[v] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	v := g.Next()
	if w := (int64(v) >> 12) & 1023; w != 7 {
		t.Fatalf("worker bits = %d", w)
	}
	if d := time.Since(v.Time(DefaultEpoch)); d < 0 || d > time.Minute {
		t.Fatalf("time of id off by %v", d)
	}
}

func TestJSONAsString(t *testing.T) {
	b, _ := json.Marshal(struct{ ID ID }{ID: 383914719930486784})
	if string(b) != `{"ID":"383914719930486784"}` {
		t.Fatal(string(b))
	}
	var v struct{ A, B ID }
	if err := json.Unmarshal([]byte(`{"A":"12","B":34}`), &v); err != nil || v.A != 12 || v.B != 34 {
		t.Fatalf("%+v %v", v, err)
	}
	for _, bad := range []string{`{"A":"x"}`, `{"A":"-1"}`, `{"A":"1e3"}`} {
		if json.Unmarshal([]byte(bad), &v) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := NewGenerator(1024, DefaultEpoch); err == nil {
		t.Fatal("worker 1024 accepted")
	}
}

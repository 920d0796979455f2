package clock

import (
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	start := time.Date(2026, 12, 7, 8, 0, 0, 123456789, time.FixedZone("ICT", 7*3600))
	f := NewFake(start)
	if got, want := f.Now(), start.UTC().Truncate(time.Microsecond); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Now = %v, want %v in UTC", got, want)
	}
	if got := f.Advance(15 * time.Minute); !got.Equal(start.Add(15 * time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("Advance = %v", got)
	}
	f.Set(start)
	if !f.Now().Equal(start.Truncate(time.Microsecond)) {
		t.Fatalf("Set did not move the clock back")
	}
}

func TestRealAndOr(t *testing.T) {
	if _, ok := Or(nil).(Real); !ok {
		t.Fatal("Or(nil) is not the wall clock")
	}
	f := NewFake(time.Unix(0, 0))
	if Or(f) != Clock(f) {
		t.Fatal("Or(f) is not f")
	}
	if n := (Real{}).Now(); n.Location() != time.UTC || n.Nanosecond()%1000 != 0 {
		t.Fatalf("Real.Now = %v: want UTC at the microsecond", n)
	}
}

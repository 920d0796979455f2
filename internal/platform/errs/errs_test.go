package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestRelocate(t *testing.T) {
	cause := errors.New("cause")
	inner := &E{Kind: Rule, Message: "group SUGAR: choose at least 1", Err: cause,
		Fields: []FieldError{{Location: "modifiers", Message: "group SUGAR: choose at least 1", Value: "SUGAR"}}}
	plain := New(NotFound, "variant 7 not found")
	tests := []struct {
		name string
		err  error
		want []FieldError // nil: returned as it is
	}{
		{"fields", inner, []FieldError{{Location: "lines[2].modifierIds (modifiers)", Message: "group SUGAR: choose at least 1", Value: "SUGAR"}}},
		{"wrapped", fmt.Errorf("check: %w", inner), []FieldError{{Location: "lines[2].modifierIds (modifiers)", Message: "group SUGAR: choose at least 1", Value: "SUGAR"}}},
		{"no fields", plain, nil},
		{"not an E", cause, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Relocate(tt.err, "lines[2].modifierIds")
			if tt.want == nil {
				if got != tt.err {
					t.Fatalf("got %v, want the error as it is", got)
				}
				return
			}
			var e *E
			if !errors.As(got, &e) || e.Kind != inner.Kind || e.Message != inner.Message || !errors.Is(got, cause) {
				t.Fatalf("got %#v: kind, message or cause lost", got)
			}
			if fmt.Sprint(e.Fields) != fmt.Sprint(tt.want) {
				t.Fatalf("fields %v, want %v", e.Fields, tt.want)
			}
			if inner.Fields[0].Location != "modifiers" {
				t.Fatalf("the original error changed: %v", inner.Fields)
			}
		})
	}
}

package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
)

func TestCheckJSONText(t *testing.T) {
	cases := []struct {
		name, body string
		loc, msg   string // "" loc: accepted
	}{
		{"plain", `{"displayName":"Cà phê sữa","lines":[{"note":"ít đá"}]}`, "", ""},
		{"escaped backslash then u", `{"a":"C:\\u0000"}`, "", ""},
		{"pair", `{"emoji":"\ud83d\ude00"}`, "", ""},
		{"not JSON", `{bad`, "", ""},
		{"nul", `{"displayName":"a\u0000b"}`, "body.displayName", "NUL"},
		{"nul deep", `{"lines":[{"note":"ok"},{"note":"x\u0000"}]}`, "body.lines[1].note", "NUL"},
		{"nul after arrays", `{"a":[1,[2,3],{"b":null}],"c":"\u0000"}`, "body.c", "NUL"},
		{"nul in a key", `{"a\u0000":1}`, "body", "key"},
		{"lone high", `{"name":"\ud800"}`, "body.name", "surrogate"},
		{"lone low", `{"name":"x\udc00y"}`, "body.name", "surrogate"},
		{"high then not low", `{"name":"\ud800\u0041"}`, "body.name", "surrogate"},
		{"bad utf-8", "{\"name\":\"\xff\"}", "body.name", "UTF-8"},
		{"top-level array", `["ok","\u0000"]`, "body[1]", "NUL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckJSONText([]byte(c.body))
			if c.loc == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*errs.E)
			if !ok || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != c.loc || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("got %#v, want a 400 at %s about %s", err, c.loc, c.msg)
			}
		})
	}
}

// FuzzCheckJSONText: never a panic, and what it accepts decodes to text without NUL.
func FuzzCheckJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, `["\ud800"]`, `{"a":[{"b":"\\u0000"}]}`, `"x"`, `{"a\u0000":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if CheckJSONText(raw) != nil {
			return
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if strings.IndexByte(x, 0) >= 0 {
					t.Fatalf("accepted a NUL: %q", raw)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case map[string]any:
				for k, y := range x {
					walk(k)
					walk(y)
				}
			}
		}
		walk(v)
	})
}

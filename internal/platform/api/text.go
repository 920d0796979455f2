package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

// One rule for text, on every route, before any module sees it: a NUL character, a lone UTF-16
// surrogate escape or bytes that are not UTF-8, in a JSON body string (key or value), a query
// parameter or the path, is a 400 naming where it is. PostgreSQL refuses NUL in text (22021) and
// SQLite would store it; Go's JSON decoder turns lone surrogates and bad bytes into U+FFFD
// silently. Both dialects now answer the same, and no module strips or keeps such text.

// checkText is the middleware of the rule.
func (s *Server) checkText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, stream := s.streamLimit(r)
		if err := textOfRequest(r, !stream); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// textOfRequest checks the path, the query and (withBody) a JSON body; the body is read once and
// put back. A streamed body (BodyStream) is not read here: its operation reads it.
func textOfRequest(r *http.Request, withBody bool) error {
	if bad := badText(r.URL.Path); bad != "" {
		return errs.Field("path", bad, nil)
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if bad := badText(k + v); bad != "" {
				return errs.Field("query."+k, bad, nil)
			}
		}
	}
	if !withBody || r.Body == nil || r.Body == http.NoBody || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		return nil
	}
	raw, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errs.New(errs.TooLarge, "request body is larger than "+strconv.FormatInt(tooLarge.Limit, 10)+" bytes")
		}
		return errs.Field("body", "could not be read", nil)
	}
	return CheckJSONText(raw)
}

// badText says what is wrong with decoded text, or "".
func badText(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain a NUL character"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	}
	return ""
}

// CheckJSONText walks a JSON document and returns a 400 naming the first string (as
// "body.lines[2].note", or "body" for a key) that breaks the text rule. A document that is not
// JSON passes: the operation's own decoding reports that.
func CheckJSONText(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		array bool
		index int
		key   string
		isKey bool // an object's next string token is a key
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		b.WriteString("body")
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			} else if f.key != "" {
				b.WriteString("." + f.key)
			}
		}
		return b.String()
	}
	// after a value: an array moves to its next index, an object waits for its next key.
	next := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].isKey = true
			}
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{isKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				next()
			}
		case string:
			span := raw[start:dec.InputOffset()]
			isKey := len(stack) > 0 && !stack[len(stack)-1].array && stack[len(stack)-1].isKey
			if isKey {
				stack[len(stack)-1].key, stack[len(stack)-1].isKey = t, false
			}
			if bad := badJSONString(t, span); bad != "" {
				if isKey {
					stack[len(stack)-1].key = ""
					return errs.Field(path(), "has a key that "+strings.TrimPrefix(bad, "must "), nil)
				}
				return errs.Field(path(), bad, nil)
			}
			if !isKey {
				next()
			}
		default:
			next()
		}
	}
}

// badJSONString checks a decoded string and the raw bytes it came from (a lone surrogate escape
// or a byte that is not UTF-8 is visible only there).
func badJSONString(s string, raw []byte) string {
	if bad := badText(s); bad != "" {
		return bad
	}
	if !utf8.Valid(raw) {
		return "must be valid UTF-8"
	}
	for i := 0; i+5 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, possibly a backslash
			continue
		}
		v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		if err != nil {
			continue
		}
		switch {
		case v >= 0xD800 && v < 0xDC00: // a high surrogate must be followed by a low one
			if i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				if w, err := strconv.ParseUint(string(raw[i+8:i+12]), 16, 16); err == nil && w >= 0xDC00 && w < 0xE000 {
					i += 11
					continue
				}
			}
			return "must not contain a lone UTF-16 surrogate"
		case v >= 0xDC00 && v < 0xE000:
			return "must not contain a lone UTF-16 surrogate"
		}
		i += 5
	}
	return ""
}

// writeError answers a request refused before it reached an operation, in the problem+json
// shape of every other error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	out := s.Error(r.Context(), err)
	var se huma.StatusError
	if errors.As(out, &se) {
		status = se.GetStatus()
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

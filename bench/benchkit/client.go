package benchkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// NewHTTPClient is an HTTP client for conns concurrent clients of one server: it keeps up to
// twice as many idle connections, and gives up on a request after 30 seconds.
func NewHTTPClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2}}
}

// Client calls BANA's JSON API with a bearer token.
type Client struct {
	Base  string // the API's root URL, paths are appended to it
	Token string // the bearer token
	HTTP  *http.Client
}

// Do sends a request with the JSON body (none when nil) and, when idemKey is not empty, that
// Idempotency-Key, and returns the answer's status and body.
func (c *Client) Do(method, path, idemKey string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Call sends body (none when nil) as JSON, fails unless the answer's status is below 300, and
// decodes the answer into out when out is not nil.
func (c *Client) Call(method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	st, b, err := c.Do(method, path, "", raw)
	if err != nil {
		return err
	}
	if st >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, st, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

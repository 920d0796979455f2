package signal

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"testing"
)

// vectorKeys are the test vector's private keys (docs/signal.md): the scalars 0x01..0x20 and
// 0x21..0x40.
func vectorKeys(t testing.TB) (client, server *ecdh.PrivateKey) {
	c, s := make([]byte, 32), make([]byte, 32)
	for i := range c {
		c[i], s[i] = byte(i+1), byte(i+33)
	}
	var err error
	if client, err = ecdh.P256().NewPrivateKey(c); err != nil {
		t.Fatal(err)
	}
	if server, err = ecdh.P256().NewPrivateKey(s); err != nil {
		t.Fatal(err)
	}
	return client, server
}

func vectorNonce() (n [NonceSize]byte) {
	for i := range n {
		n[i] = byte(i)
	}
	return n
}

const vectorPlaintext = `{"type":"auth","token":"t"}`

// The test vector of docs/signal.md: a client that implements the wire format reproduces these.
var vector = map[string]string{
	"clientHello":  "010104515c3d6eb9e396b904d3feca7f54fdcd0cc1e997bf375dca515ad0a6c3b4035f4536be3a50f318fbf9a5475902a221502bef0d57e08c53b2cc0a56f17d9f9354",
	"serverHello":  "0101041f140146bfb1b251f84f4ddbe0d4cdcfd77afd984a9520e35794021f8312bb9eec995a08b1fa7704df3dcc0b50a9665263fb7711f95f9f8a449c5096e47c892b",
	"sharedSecret": "4fe243908f378aa1c2a69538822e6ed908c3225d8692575507c649901245150a",
	"keyC2S":       "f04b448f54699d538ca07ba7df87ac191bfc7a158da30552b7d9e8d10a1c260d",
	"keyS2C":       "f9ea4aad9d4e0f3035b96dc2eeebf701ddcfd20319cd8df79675584af7e580e7",
	"frame":        "01020000000000000001000102030405060708090a0b310dd60434a2bf516276368fb15f31e576963887a19b06448fad21dd696f2ed1ae5f3e44b714a1188c4cf8",
}

func TestVector(t *testing.T) {
	cpriv, spriv := vectorKeys(t)
	secret, err := cpriv.ECDH(spriv.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	salt := append(cpriv.PublicKey().Bytes(), spriv.PublicKey().Bytes()...)
	c2s, _ := DirectionKey(secret, salt, InfoClientToServer)
	s2c, _ := DirectionKey(secret, salt, InfoServerToClient)
	client, err := NewSession(cpriv, spriv.PublicKey(), false)
	if err != nil {
		t.Fatal(err)
	}
	frame := client.SealWithNonce([]byte(vectorPlaintext), vectorNonce())
	got := map[string]string{
		"clientHello":  hex.EncodeToString(Hello(cpriv.PublicKey())),
		"serverHello":  hex.EncodeToString(Hello(spriv.PublicKey())),
		"sharedSecret": hex.EncodeToString(secret),
		"keyC2S":       hex.EncodeToString(c2s),
		"keyS2C":       hex.EncodeToString(s2c),
		"frame":        hex.EncodeToString(frame),
	}
	for k, want := range vector {
		if got[k] != want {
			t.Errorf("%s = %s, want %s", k, got[k], want)
		}
	}
	// The server opens it; the same frame again is a replay.
	server, err := NewSession(spriv, cpriv.PublicKey(), true)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := server.Open(frame)
	if err != nil || string(pt) != vectorPlaintext {
		t.Fatalf("open = %q, %v", pt, err)
	}
	if _, err := server.Open(frame); !errors.Is(err, ErrSequence) {
		t.Fatalf("replay: %v", err)
	}
}

func TestSessionRefusals(t *testing.T) {
	cpriv, spriv := vectorKeys(t)
	tests := []struct {
		name  string
		frame func(c *Session) []byte
		want  error
	}{
		{"short", func(c *Session) []byte { return []byte{1, 2, 0} }, ErrMalformed},
		{"wrong version", func(c *Session) []byte { f := c.Seal([]byte("{}")); f[0] = 2; return f }, ErrMalformed},
		{"a hello", func(c *Session) []byte { return Hello(cpriv.PublicKey()) }, ErrMalformed},
		{"flipped ciphertext", func(c *Session) []byte { f := c.Seal([]byte("{}")); f[len(f)-20] ^= 1; return f }, ErrDecrypt},
		{"flipped sequence", func(c *Session) []byte {
			c.Seal(nil)
			f := c.Seal([]byte("{}"))
			f[9] = 1 // claims to be the first
			return f
		}, ErrDecrypt},
		{"skipped sequence", func(c *Session) []byte { c.Seal(nil); return c.Seal([]byte("{}")) }, ErrSequence},
		{"other direction's key", func(c *Session) []byte {
			s, _ := NewSession(spriv, cpriv.PublicKey(), true)
			return s.Seal([]byte("{}")) // sealed server to client, sent back to the server
		}, ErrDecrypt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := NewSession(cpriv, spriv.PublicKey(), false)
			server, _ := NewSession(spriv, cpriv.PublicKey(), true)
			if _, err := server.Open(tc.frame(client)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseRoom(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want Room
	}{
		{"user.42", true, Room{Name: "user.42", User: 42}},
		{"merchant.7", true, Room{Name: "merchant.7", Merchant: 7}},
		{"merchant.7.order.9", true, Room{Name: "merchant.7.order.9", Merchant: 7, Order: 9}},
		{"merchant.7.station.BAR_1", true, Room{Name: "merchant.7.station.BAR_1", Merchant: 7, Station: "BAR_1"}},
		{"merchant.7.station.", false, Room{}},
		{"merchant.7.station.a b", false, Room{}},
		{"merchant.0", false, Room{}},
		{"merchant.-1", false, Room{}},
		{"merchant.x", false, Room{}},
		{"merchant.7.order.0", false, Room{}},
		{"merchant.7.kitchen.BAR", false, Room{}},
		{"user.1.extra", false, Room{}},
		{"everyone", false, Room{}},
		{"", false, Room{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRoom(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseRoom(%q) = %+v, %v", tc.in, got, err)
			}
		})
	}
}

func FuzzParseHello(f *testing.F) {
	cpriv, _ := vectorKeys(f)
	f.Add(Hello(cpriv.PublicKey()))
	f.Add([]byte{1, 1, 4})
	f.Add(make([]byte, HelloSize))
	f.Fuzz(func(t *testing.T, msg []byte) {
		k, err := ParseHello(msg)
		if err == nil && !bytes.Equal(Hello(k), msg) {
			t.Fatalf("accepted %x as %x", msg, Hello(k))
		}
	})
}

func FuzzOpen(f *testing.F) {
	cpriv, spriv := vectorKeys(f)
	client, _ := NewSession(cpriv, spriv.PublicKey(), false)
	f.Add(client.SealWithNonce([]byte(vectorPlaintext), vectorNonce()))
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, frame []byte) {
		server, _ := NewSession(spriv, cpriv.PublicKey(), true)
		pt, err := server.Open(frame)
		if err == nil {
			if _, err := ParseInbound(pt); err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("parse error not malformed: %v", err)
			}
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrSequence) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzParseInbound(f *testing.F) {
	for _, s := range []string{vectorPlaintext, `{"type":"join","room":"merchant.1","since":3}`, `{"type":"ping"}`, `{`, `{"type":"join","since":-1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, pt []byte) {
		in, err := ParseInbound(pt)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not malformed: %v", err)
			}
			return
		}
		if in.Since != nil && *in.Since < 0 {
			t.Fatalf("accepted since %d", *in.Since)
		}
		if in.Room != "" {
			_, _ = ParseRoom(in.Room)
		}
	})
}

func FuzzParseRoom(f *testing.F) {
	for _, s := range []string{"user.1", "merchant.1.order.2", "merchant.1.station.BAR", "merchant..", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoom(s)
		if err == nil && (r.Name != s || (r.User <= 0 && r.Merchant <= 0)) {
			t.Fatalf("ParseRoom(%q) = %+v", s, r)
		}
	})
}

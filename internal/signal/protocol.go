package signal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// The wire format of /stream (docs/signal.md is its specification, with a test vector). Every
// WebSocket message is binary. The first of each side is a hello carrying its ECDH P-256 public
// key; every later one is a sealed frame: AES-256-GCM under the sender's direction key, a fresh
// random 96-bit nonce, and a sequence number that starts at 1 and grows by one per frame.
const (
	// Version is the first byte of every message.
	Version byte = 0x01
	// KindHello is a hello: Version, KindHello, the 65-byte uncompressed public key.
	KindHello byte = 0x01
	// KindSealed is a sealed frame: Version, KindSealed, the sequence (8 bytes, big-endian),
	// the nonce (12 bytes), then the ciphertext with its 16-byte tag.
	KindSealed byte = 0x02

	// PublicKeySize is the size of an uncompressed P-256 public key (0x04 || X || Y).
	PublicKeySize = 65
	// HelloSize is the size of a hello message.
	HelloSize = 2 + PublicKeySize
	// HeaderSize is the size of a sealed frame's header (the additional authenticated data).
	HeaderSize = 2 + 8
	// NonceSize is the size of the AES-GCM nonce.
	NonceSize = 12
	// Overhead is what sealing adds to a plaintext: header, nonce and tag.
	Overhead = HeaderSize + NonceSize + 16

	// InfoClientToServer and InfoServerToClient are the HKDF info strings of the two direction
	// keys; the salt is the client's public key followed by the server's.
	InfoClientToServer = "bana-signal/1 client to server"
	InfoServerToClient = "bana-signal/1 server to client"
)

// Protocol errors: each closes the connection with its close code (model.go).
var (
	ErrMalformed = errors.New("malformed frame")
	ErrBadKey    = errors.New("bad public key")
	ErrDecrypt   = errors.New("decryption failed")
	ErrSequence  = errors.New("sequence out of order or replayed")
)

// ParseHello reads a hello message and returns the peer's public key.
func ParseHello(msg []byte) (*ecdh.PublicKey, error) {
	if len(msg) != HelloSize || msg[0] != Version || msg[1] != KindHello {
		return nil, fmt.Errorf("%w: a hello is %d bytes: version %d, kind %d, public key", ErrMalformed, HelloSize, Version, KindHello)
	}
	if msg[2] != 0x04 {
		return nil, fmt.Errorf("%w: not an uncompressed point", ErrBadKey)
	}
	k, err := ecdh.P256().NewPublicKey(msg[2:])
	if err != nil {
		return nil, fmt.Errorf("%w: not a point of P-256", ErrBadKey)
	}
	return k, nil
}

// Hello returns the hello message of a public key.
func Hello(pub *ecdh.PublicKey) []byte {
	return append([]byte{Version, KindHello}, pub.Bytes()...)
}

// Session is one side's keys and sequence numbers after the handshake. It is not safe for
// concurrent use: the connection serializes its reads and, separately, its writes.
type Session struct {
	send, recv cipher.AEAD
	sendSeq    uint64 // of the last frame sealed
	recvSeq    uint64 // of the last frame opened
}

// NewSession derives the two direction keys from our private key and the peer's public key.
// server says which side we are.
func NewSession(priv *ecdh.PrivateKey, peer *ecdh.PublicKey, server bool) (*Session, error) {
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	clientPub, serverPub := priv.PublicKey().Bytes(), peer.Bytes()
	if server {
		clientPub, serverPub = serverPub, clientPub
	}
	salt := append(append([]byte{}, clientPub...), serverPub...)
	c2s, err := directionKey(secret, salt, InfoClientToServer)
	if err != nil {
		return nil, err
	}
	s2c, err := directionKey(secret, salt, InfoServerToClient)
	if err != nil {
		return nil, err
	}
	if server {
		return &Session{send: s2c, recv: c2s}, nil
	}
	return &Session{send: c2s, recv: s2c}, nil
}

// DirectionKey is the HKDF-SHA256 derivation of one direction's 32-byte AES key.
func DirectionKey(secret, salt []byte, info string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, salt, info, 32)
}

func directionKey(secret, salt []byte, info string) (cipher.AEAD, error) {
	key, err := DirectionKey(secret, salt, info)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal returns the next sealed frame of plaintext, with a fresh random nonce.
func (s *Session) Seal(plaintext []byte) []byte {
	var nonce [NonceSize]byte
	_, _ = rand.Read(nonce[:])
	return s.SealWithNonce(plaintext, nonce)
}

// SealWithNonce seals with a given nonce: for the test vector only; a nonce must never repeat
// under one key, which Seal's random nonces ensure.
func (s *Session) SealWithNonce(plaintext []byte, nonce [NonceSize]byte) []byte {
	s.sendSeq++
	out := make([]byte, HeaderSize+NonceSize, Overhead+len(plaintext))
	out[0], out[1] = Version, KindSealed
	binary.BigEndian.PutUint64(out[2:HeaderSize], s.sendSeq)
	copy(out[HeaderSize:], nonce[:])
	return s.send.Seal(out, nonce[:], plaintext, out[:HeaderSize])
}

// Open checks and decrypts the next sealed frame. A frame whose sequence is not the one after
// the last opened (a replay, a reordering, a gap) is refused before decryption is tried.
func (s *Session) Open(frame []byte) ([]byte, error) {
	if len(frame) < Overhead || frame[0] != Version || frame[1] != KindSealed {
		return nil, fmt.Errorf("%w: a sealed frame is version %d, kind %d, sequence, nonce, ciphertext and tag (at least %d bytes)",
			ErrMalformed, Version, KindSealed, Overhead)
	}
	seq := binary.BigEndian.Uint64(frame[2:HeaderSize])
	if seq != s.recvSeq+1 {
		return nil, fmt.Errorf("%w: got %d, want %d", ErrSequence, seq, s.recvSeq+1)
	}
	nonce := frame[HeaderSize : HeaderSize+NonceSize]
	pt, err := s.recv.Open(nil, nonce, frame[HeaderSize+NonceSize:], frame[:HeaderSize])
	if err != nil {
		return nil, ErrDecrypt
	}
	s.recvSeq = seq
	return pt, nil
}

// Package vietqr builds and reads VietQR payloads: the NAPAS profile of the EMVCo
// merchant-presented QR code (TLV fields, CRC-16/CCITT-FALSE), static for a counter sticker and
// dynamic for one order, with the order's reference in the purpose field (62/08). It also reads
// the bank-transfer notifications of the VietQR.vn transaction-sync API and issues the bearer
// tokens that API asks for (sync.go).
package vietqr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Field is one TLV field of an EMVCo payload: a two-digit id and its value (for a template,
// the encoded nested fields).
type Field struct {
	ID    string
	Value string
}

// Errors of Parse. Each is wrapped with the position or id it is about.
var (
	ErrMalformed = errors.New("malformed EMVCo payload")
	ErrCRC       = errors.New("EMVCo CRC does not match")
)

// CRC16 is CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor.
// "123456789" gives 0x29B1.
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Encode writes fields as TLV, in the order given. A value longer than 99 bytes or an id that is
// not two digits is an error: the format cannot carry it.
func Encode(fields []Field) (string, error) {
	var b strings.Builder
	for _, f := range fields {
		if len(f.ID) != 2 || !digits(f.ID) {
			return "", fmt.Errorf("%w: field id %q is not two digits", ErrMalformed, f.ID)
		}
		if len(f.Value) > 99 {
			return "", fmt.Errorf("%w: field %s is %d bytes long (at most 99)", ErrMalformed, f.ID, len(f.Value))
		}
		fmt.Fprintf(&b, "%s%02d%s", f.ID, len(f.Value), f.Value)
	}
	return b.String(), nil
}

// Decode reads TLV fields until the end of s.
func Decode(s string) ([]Field, error) {
	var out []Field
	for i := 0; i < len(s); {
		if len(s)-i < 4 {
			return nil, fmt.Errorf("%w: %d stray bytes at %d", ErrMalformed, len(s)-i, i)
		}
		id, ln := s[i:i+2], s[i+2:i+4]
		if !digits(id) || !digits(ln) {
			return nil, fmt.Errorf("%w: no id and length at %d", ErrMalformed, i)
		}
		n, _ := strconv.Atoi(ln)
		if i+4+n > len(s) {
			return nil, fmt.Errorf("%w: field %s at %d runs past the end", ErrMalformed, id, i)
		}
		out = append(out, Field{ID: id, Value: s[i+4 : i+4+n]})
		i += 4 + n
	}
	return out, nil
}

// Seal appends the CRC field (63) to a payload that ends before it.
func Seal(body string) string {
	body += "6304"
	return body + fmt.Sprintf("%04X", CRC16([]byte(body)))
}

// CheckCRC verifies that payload ends with a CRC field (6304 and four hex digits) that matches
// the CRC of everything before those digits.
func CheckCRC(payload string) error {
	if len(payload) < 8 || payload[len(payload)-8:len(payload)-4] != "6304" {
		return fmt.Errorf("%w: no CRC field (6304) at the end", ErrMalformed)
	}
	got := strings.ToUpper(payload[len(payload)-4:])
	want := fmt.Sprintf("%04X", CRC16([]byte(payload[:len(payload)-4])))
	if got != want {
		return fmt.Errorf("%w: payload says %s, content gives %s", ErrCRC, got, want)
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func find(fields []Field, id string) (string, bool) {
	for _, f := range fields {
		if f.ID == id {
			return f.Value, true
		}
	}
	return "", false
}

package secret

import (
	"strings"
	"testing"
)

func TestSealOpenRotate(t *testing.T) {
	old, _ := NewKeyring("the-old-application-secret")
	sealed := old.Seal([]byte("vnpay-hash-secret"), []byte("configuration:1:PAYMENT"))
	if !IsSealed(sealed) || strings.Contains(sealed, "vnpay") {
		t.Fatalf("sealed = %s", sealed)
	}
	if again := old.Seal([]byte("vnpay-hash-secret"), []byte("configuration:1:PAYMENT")); again == sealed {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	pt, err := old.Open(sealed, []byte("configuration:1:PAYMENT"))
	if err != nil || string(pt) != "vnpay-hash-secret" {
		t.Fatalf("open: %q %v", pt, err)
	}
	if _, err := old.Open(sealed, []byte("configuration:2:PAYMENT")); err == nil {
		t.Fatal("opened with another aad")
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := old.Open(tampered, []byte("configuration:1:PAYMENT")); err == nil {
		t.Fatal("opened a tampered value")
	}
	// Rotation: the new keyring still opens old values and reseals them with the new key.
	cur, _ := NewKeyring("the-new-application-secret", "the-old-application-secret")
	if cur.KeyID() == old.KeyID() {
		t.Fatal("same key id")
	}
	resealed, changed, err := cur.Reseal(sealed, []byte("configuration:1:PAYMENT"))
	if err != nil || !changed || !strings.Contains(resealed, cur.KeyID()) {
		t.Fatalf("reseal: %v %v %s", changed, err, resealed)
	}
	newOnly, _ := NewKeyring("the-new-application-secret")
	if pt, err := newOnly.Open(resealed, []byte("configuration:1:PAYMENT")); err != nil || string(pt) != "vnpay-hash-secret" {
		t.Fatalf("open resealed: %v", err)
	}
	if _, err := newOnly.Open(sealed, []byte("configuration:1:PAYMENT")); err == nil {
		t.Fatal("opened a value of a key that left the ring")
	}
	if _, err := NewKeyring("short"); err == nil {
		t.Fatal("accepted a short secret")
	}
}

package demo

import "testing"

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cat := range c.Categories {
		n += len(cat.Items)
	}
	if n != 23 || len(c.ModifierGroups) != 4 || len(c.Staff) != 4 || c.Merchant.VATRatePercent != 8 {
		t.Fatalf("unexpected café: %d items, %d groups", n, len(c.ModifierGroups))
	}
}

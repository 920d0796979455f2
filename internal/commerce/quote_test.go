package commerce

import (
	"errors"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// A drink as the demo café sells it: one size (S/M/L), one sweetness, ice optional, up to three
// toppings, one of them sold out.
func drink() VariantInfo {
	return VariantInfo{VariantID: 1, Name: "Trà đào cam sả", ModifierGroups: []ModifierGroupInfo{
		{ID: 10, Code: "SIZE", Name: "Cỡ", Min: 1, Max: 1, Options: []ModifierOptionInfo{
			{ID: 11, Name: "Nhỏ (S)", Active: true}, {ID: 12, Name: "Vừa (M)", Price: 5000, Active: true}, {ID: 13, Name: "Lớn (L)", Price: 10000, Active: true}}},
		{ID: 20, Code: "SUGAR", Name: "Độ ngọt", Min: 1, Max: 1, Options: []ModifierOptionInfo{
			{ID: 21, Name: "Không đường", Active: true}, {ID: 22, Name: "Ít đường", Active: true}}},
		{ID: 30, Code: "ICE", Name: "Đá", Min: 0, Max: 1, Options: []ModifierOptionInfo{{ID: 31, Name: "Ít đá", Active: true}}},
		{ID: 40, Code: "TOPPING", Name: "Topping", Min: 0, Max: 3, Options: []ModifierOptionInfo{
			{ID: 41, Name: "Trân châu đen", Price: 8000, Active: true}, {ID: 42, Name: "Thạch đào", Price: 8000, Active: true},
			{ID: 43, Name: "Kem cheese", Price: 12000, Active: true}, {ID: 44, Name: "Shot espresso", Price: 15000, Active: false},
			{ID: 45, Name: "Nha đam", Price: 6000, Active: true}}},
	}}
}

func TestValidateModifiers(t *testing.T) {
	cases := []struct {
		name    string
		options []id.ID
		kind    errs.Kind // Internal: valid
		group   string
		words   string
		rule    error
	}{
		{"size and sugar", []id.ID{13, 21}, errs.Internal, "", "", nil},
		{"everything", []id.ID{41, 12, 42, 22, 31, 43}, errs.Internal, "", "", nil},
		{"no size", []id.ID{21}, errs.Rule, "SIZE", "at least 1", ErrModifierCount},
		{"nothing", nil, errs.Rule, "SIZE", "at least 1", ErrModifierCount},
		{"two sizes", []id.ID{11, 13, 21}, errs.Rule, "SIZE", "at most 1", ErrModifierCount},
		{"four toppings", []id.ID{11, 21, 41, 42, 43, 45}, errs.Rule, "TOPPING", "at most 3", ErrModifierCount},
		{"sold-out topping", []id.ID{11, 21, 44}, errs.Rule, "TOPPING", "not available", ErrModifierUnavailable},
		{"same topping twice", []id.ID{11, 21, 41, 41}, errs.Invalid, "TOPPING", "twice", ErrModifierChosenTwice},
		{"option of another variant", []id.ID{11, 21, 99}, errs.Invalid, "", "not offered", ErrModifierNotOffered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateModifiers(drink(), c.options)
			if c.kind == errs.Internal {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if errs.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("got %v (kind %d), want kind %d with %q", err, errs.KindOf(err), c.kind, c.words)
			}
			if !errors.Is(err, c.rule) {
				t.Fatalf("error %v is not %v", err, c.rule)
			}
			var me *ModifierError
			if !errors.As(err, &me) || me.GroupCode != c.group {
				t.Fatalf("error %v does not name group %q: %+v", err, c.group, me)
			}
			if c.group != "" && !strings.Contains(err.Error(), c.group) {
				t.Fatalf("message %q does not name the group", err)
			}
			var e *errs.E
			if !errors.As(err, &e) || len(e.Fields) != 1 || !strings.HasPrefix(e.Fields[0].Location, "modifiers") {
				t.Fatalf("error fields: %+v", e)
			}
		})
	}
	// A variant without modifier groups takes none.
	if err := ValidateModifiers(VariantInfo{Name: "Bánh mì"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ValidateModifiers(VariantInfo{Name: "Bánh mì"}, []id.ID{11}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("option on a plain variant: %v", err)
	}
}

func TestSelectModifiersOrderAndPrices(t *testing.T) {
	got, err := SelectModifiers(drink(), []id.ID{43, 22, 13, 41})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		group string
		id    id.ID
		price int64
	}{{"SIZE", 13, 10000}, {"SUGAR", 22, 0}, {"TOPPING", 41, 8000}, {"TOPPING", 43, 12000}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		if got[i].GroupCode != w.group || got[i].OptionID != w.id || got[i].Price != w.price || got[i].Name == "" {
			t.Fatalf("choice %d = %+v, want %+v", i, got[i], w)
		}
	}
}

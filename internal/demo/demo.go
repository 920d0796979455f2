// Package demo holds the demo café (a small Hanoi café: menu, modifiers, prices, stock, staff,
// price rules and promotions) used by `bana seed demo`, tests and benchmarks. Prices are whole
// VND and include VAT.
package demo

import (
	_ "embed"
	"encoding/json"
)

//go:embed demo-cafe.json
var raw []byte

// Cafe is the demo data set.
type Cafe struct {
	About     string `json:"about"`
	Organizer struct {
		Name    string `json:"name"`
		TaxCode string `json:"taxCode"`
		Address string `json:"address"`
		Phone   string `json:"phone"`
	} `json:"organizer"`
	Merchant struct {
		Name             string `json:"name"`
		Type             string `json:"type"`
		Currency         string `json:"currency"`
		VATRatePercent   int    `json:"vatRatePercent"`
		PriceIncludesTax bool   `json:"priceIncludesTax"`
	} `json:"merchant"`
	Stations       []Station       `json:"stations"`
	Tables         []string        `json:"tables"`
	Staff          []Staff         `json:"staff"`
	ModifierGroups []ModifierGroup `json:"modifierGroups"`
	Categories     []Category      `json:"categories"`
	PriceRules     []PriceRule     `json:"priceRules"`
	Promotions     []Promotion     `json:"promotions"`
}

// Station is a kitchen or bar station.
type Station struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Staff is one person of the café.
type Staff struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email,omitempty"`
	Job   string `json:"job,omitempty"`
	PIN   string `json:"pin,omitempty"`
}

// ModifierGroup is a choice such as size or toppings.
type ModifierGroup struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	Options []struct {
		Name  string `json:"name"`
		Price int64  `json:"price"`
	} `json:"options"`
}

// Category is a menu section and its items.
type Category struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Station string `json:"station"`
	Items   []Item `json:"items"`
}

// Item is one menu item. Stock nil means not stock-tracked.
type Item struct {
	Name      string   `json:"name"`
	SKU       string   `json:"sku"`
	EAN13     string   `json:"ean13,omitempty"`
	Price     int64    `json:"price"`
	Modifiers []string `json:"modifiers"`
	Stock     *int64   `json:"stock"`
}

// PriceRule is a dynamic pricing rule.
type PriceRule struct {
	Name    string         `json:"name"`
	Type    string         `json:"type"`
	Percent int64          `json:"percent,omitempty"`
	Amount  int64          `json:"amount,omitempty"`
	When    map[string]any `json:"when"`
}

// Promotion is a code or automatic promotion.
type Promotion struct {
	Code             string `json:"code,omitempty"`
	Name             string `json:"name"`
	Percent          int64  `json:"percent,omitempty"`
	PerCustomerLimit int    `json:"perCustomerLimit,omitempty"`
	TotalLimit       int    `json:"totalLimit,omitempty"`
	Buy              *struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	} `json:"buy,omitempty"`
	Get *struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	} `json:"get,omitempty"`
}

// Load parses the embedded café.
func Load() (*Cafe, error) {
	var c Cafe
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

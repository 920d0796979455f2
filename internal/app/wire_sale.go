package app

import "context"

// saleWiring holds the sale module once it exists.
//lint:ignore U1000 filled in when the sale module is wired
type saleWiring struct{}

// wireSale builds the sale module.
func (a *App) wireSale(context.Context) error { return nil }

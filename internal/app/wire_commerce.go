package app

import "context"

// commerceWiring holds the commerce module once it exists.
//lint:ignore U1000 filled in when the commerce module is wired
type commerceWiring struct{}

// wireCommerce builds the commerce module.
func (a *App) wireCommerce(context.Context) error { return nil }

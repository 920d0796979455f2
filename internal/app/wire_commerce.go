package app

import "context"

// commerceWiring holds the commerce module once it exists.
type commerceWiring struct{}

// wireCommerce builds the commerce module.
func (a *App) wireCommerce(context.Context) error { return nil }

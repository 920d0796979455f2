package app

import "context"

// inventoryWiring holds the inventory module once it exists.
type inventoryWiring struct{}

// wireInventory builds the inventory module.
func (a *App) wireInventory(context.Context) error { return nil }

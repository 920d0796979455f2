package app

import (
	"context"

	"github.com/banapos/bana/internal/inventory"
)

// inventoryWiring holds the inventory module.
type inventoryWiring struct {
	Inventory *inventory.Module
}

// wireInventory builds the inventory module: its routes, its workers on the inventory queue
// (reservation expiry, stock adjustments) and its migrations.
func (a *App) wireInventory(context.Context) error {
	a.Inventory = inventory.New(inventory.Deps{DB: a.DB, IDs: a.IDs, Jobs: a.Jobs, Events: a.Events, Idem: a.Idem, Log: a.Log})
	a.Inventory.Routes(a.Server)
	a.Inventory.Workers(a.Jobs)
	a.migrations = append(a.migrations, a.Inventory.Migrations())
	return nil
}

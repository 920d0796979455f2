package app

import "context"

// identityWiring holds the identity module once it exists.
//lint:ignore U1000 filled in when the identity module is wired
type identityWiring struct{}

// wireIdentity builds the identity module.
func (a *App) wireIdentity(context.Context) error { return nil }

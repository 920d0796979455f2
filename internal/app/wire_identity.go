package app

import "context"

// identityWiring holds the identity module once it exists.
type identityWiring struct{}

// wireIdentity builds the identity module.
func (a *App) wireIdentity(context.Context) error { return nil }

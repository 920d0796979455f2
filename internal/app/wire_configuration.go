package app

import (
	"github.com/banapos/bana/internal/configuration"
	"github.com/banapos/bana/internal/platform/module"
)

// configurationWiring holds the configuration module.
type configurationWiring struct {
	Configuration *configuration.Module
}

// buildConfiguration builds the merchants' settings and sealed credentials.
func (a *App) buildConfiguration() (module.Module, error) {
	a.Configuration = configuration.New(configuration.Deps{Platform: a.Platform()})
	return a.Configuration, nil
}

package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/module"
)

// component is one entry of the module list: its name, the modules it is built over, and the
// function (in its wire_<name>.go) that builds it over them.
type component struct {
	name  string
	needs []string
	build func(a *App) (module.Module, error)
}

// components is the one list of BANA's domain modules. A new module adds one line here and a
// wire_<name>.go with its build function; nothing else in the platform changes.
var components = []component{
	{name: "configuration", build: (*App).buildConfiguration},
	{name: "identity", build: (*App).buildIdentity},
	{name: "commerce", needs: []string{"identity"}, build: (*App).buildCommerce},
	{name: "pricing", needs: []string{"commerce"}, build: (*App).buildPricing},
	{name: "inventory", needs: []string{"commerce"}, build: (*App).buildInventory},
	{name: "sale", needs: []string{"commerce", "pricing", "inventory"}, build: (*App).buildSale},
	{name: "payment", needs: []string{"sale", "configuration", "commerce"}, build: (*App).buildPayment},
	{name: "finance", needs: []string{"sale"}, build: (*App).buildFinance},
	{name: "asset", build: (*App).buildAsset},
	{name: "search", needs: []string{"commerce"}, build: (*App).buildSearch},
	{name: "webhook", build: (*App).buildWebhook},
	{name: "signal", build: (*App).buildSignal},
}

// ModuleNames lists the modules in dependency order.
func ModuleNames() []string {
	order, _ := dependencyOrder(components)
	names := make([]string, len(order))
	for i, c := range order {
		names[i] = c.name
	}
	return names
}

// dependencyOrder sorts the list so that each module comes after the ones it needs (stable:
// the list's own order otherwise), or says which need cannot be met.
func dependencyOrder(list []component) ([]component, error) {
	byName := map[string]component{}
	for _, c := range list {
		if _, dup := byName[c.name]; dup {
			return nil, fmt.Errorf("module %s is listed twice", c.name)
		}
		byName[c.name] = c
	}
	var out []component
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(c component, path []string) error
	visit = func(c component, path []string) error {
		switch state[c.name] {
		case 1:
			return fmt.Errorf("modules need each other: %s", strings.Join(append(path, c.name), " -> "))
		case 2:
			return nil
		}
		state[c.name] = 1
		for _, n := range c.needs {
			d, ok := byName[n]
			if !ok {
				return fmt.Errorf("module %s needs %s, which is not listed", c.name, n)
			}
			if err := visit(d, append(path, c.name)); err != nil {
				return err
			}
		}
		state[c.name] = 2
		out = append(out, c)
		return nil
	}
	for _, c := range list {
		if err := visit(c, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// selection returns the set of modules this process serves (APP_ENV_SERVICES; all when empty),
// or an error naming an unknown module.
func selection(names []string) (map[string]bool, error) {
	all := ModuleNames()
	serve := map[string]bool{}
	if len(names) == 0 {
		for _, n := range all {
			serve[n] = true
		}
		return serve, nil
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if !slices.Contains(all, n) {
			return nil, fmt.Errorf("APP_ENV_SERVICES: unknown module %q (have: %s)", n, strings.Join(all, ", "))
		}
		serve[n] = true
	}
	return serve, nil
}

// buildModules builds every module in dependency order (a served module's needs are built in
// this process too, for its in-process calls), then registers the served ones: their queues are
// worked here, their routes and workers installed. Every module's event subscribers are known. Every module's migrations are
// kept: the processes of a split deployment share one database.
func (a *App) buildModules(context.Context) error {
	serve, err := selection(a.Cfg.Modules)
	if err != nil {
		return err
	}
	order, err := dependencyOrder(components)
	if err != nil {
		return err
	}
	for _, c := range order {
		m, err := c.build(a)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if m.Name() != c.name {
			return fmt.Errorf("module listed as %s calls itself %s", c.name, m.Name())
		}
		a.modules = append(a.modules, m)
		a.migrations = append(a.migrations, m.Migrations())
		for _, q := range m.Queues() {
			a.Jobs.AddQueue(q, serve[c.name])
		}
	}
	for _, m := range a.modules {
		// Every subscriber is known to the bus, so that an event published here gets a delivery
		// for it; the delivery runs on the subscriber's module queue, worked where it is served.
		m.Subscribe(a.Events)
		if !serve[m.Name()] {
			continue
		}
		a.served = append(a.served, m.Name())
		m.Routes(a.Server)
		m.Workers(a.Jobs)
	}
	return nil
}

// Served lists the modules this process serves, in dependency order.
func (a *App) Served() []string { return a.served }

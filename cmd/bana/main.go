// Command bana is the BANA point-of-sale backend: one binary that serves the API, migrates the
// database and runs the operator's chores.
//
//	bana serve                 serve the API (migrates first unless --no-migrate)
//	bana migrate up|down [n]|status
//	bana users create-admin [--email E] [--username U] [--phone P] [--name N]
//	bana seed demo [--password P]
//	bana search reindex [collection]
//	bana openapi
//	bana version
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/search"
	"golang.org/x/term"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bana:", err)
		os.Exit(1)
	}
}

const usage = `usage: bana <command>

commands:
  serve [--no-migrate]        serve the API on APP_ENV_SERVER_HOST:APP_ENV_SERVER_PORT
  migrate up                  apply pending migrations
  migrate down [n]            revert the last n migrations (default 1)
  migrate status              list migrations and when they were applied
  jobs list [--queue q] [--state s] [--kind k] [--limit n]
  jobs retry ID | jobs cancel ID
  users create-admin [--email E] [--username U] [--phone P] [--name N]
                              create a SUPER_ADMIN; the password is read from a hidden
                              prompt, or from standard input when it is not a terminal
  seed demo [--password P] [--json]
                              make the demo café (owner, menu, prices, stock, staff with
                              PINs, an open shift); running it again changes nothing
  search reindex [collection] rebuild the search index of a collection (all when none) from
                              the database, with progress; the embedded index must not be held
                              by a running server (stop it first; Typesense needs no stop)
  openapi                     print the OpenAPI 3.1 document the server serves (JSON),
                              for client generators (clients/check.sh)
  version                     print the version

Settings come from APP_ENV_* variables and .env files; none at all runs the embedded default
(SQLite and files under ./data).`

func run(args []string) error {
	if len(args) == 0 {
		fmt.Println(usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "version":
		fmt.Println("bana", app.Version)
		fmt.Println("modules:", strings.Join(app.ModuleNames(), " "))
		return nil
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	case "serve":
		return serve(args[1:])
	case "migrate":
		return migrate(args[1:])
	case "jobs":
		return jobsCmd(args[1:])
	case "users":
		return usersCmd(args[1:])
	case "seed":
		return seedCmd(args[1:])
	case "openapi":
		return openapiCmd(args[1:])
	case "search":
		return searchCmd(args[1:])
	}
	fmt.Fprintln(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func load() (*app.App, context.Context, context.CancelFunc, error) {
	cfg, err := config.Load(".")
	if err != nil {
		return nil, nil, nil, err
	}
	log := app.NewLogger(cfg)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return a, ctx, cancel, nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, ctx, cancel, err := load()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	if !*noMigrate {
		m, err := a.Migrator()
		if err != nil {
			return err
		}
		applied, err := m.Up(ctx)
		if err != nil {
			return err
		}
		for _, n := range applied {
			a.Log.Info("migrated", "migration", n)
		}
	}
	a.Identity.AnnounceBootstrap(ctx)
	ln, err := net.Listen("tcp", a.Cfg.Server.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s (APP_ENV_SERVER_HOST / APP_ENV_SERVER_PORT): %w", a.Cfg.Server.Addr(), err)
	}
	mode := "embedded (SQLite in " + a.Cfg.DataDir + ")"
	if a.Cfg.Postgres.Enabled() {
		mode = "PostgreSQL"
	}
	host := a.Cfg.Server.Host
	if host == "0.0.0.0" || host == "" {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(a.Cfg.Server.Port))
	a.Log.Info("BANA is serving", "version", app.Version, "mode", mode, "modules", strings.Join(a.Served(), ","), "api", base+a.Cfg.Server.BasePath,
		"explorer", base+"/doc/explorer", "explorer_embedded", api.ExplorerEmbedded())
	if !api.ExplorerEmbedded() {
		a.Log.Warn("API explorer bundle not embedded (run `make explorer` with npm installed); /doc/explorer loads Scalar from a CDN and needs internet")
	}
	return a.Serve(ctx, ln)
}

func migrate(args []string) error {
	if len(args) == 0 {
		return errors.New("migrate needs up, down [n] or status")
	}
	a, ctx, cancel, err := load()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	m, err := a.Migrator()
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		applied, err := m.Up(ctx)
		for _, n := range applied {
			fmt.Println("applied", n)
		}
		if err == nil && len(applied) == 0 {
			fmt.Println("nothing to apply")
		}
		return err
	case "down":
		n := 1
		if len(args) > 1 {
			if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
				return fmt.Errorf("migrate down: %q is not a positive count", args[1])
			}
		}
		reverted, err := m.Down(ctx, n)
		for _, r := range reverted {
			fmt.Println("reverted", r)
		}
		return err
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "MODULE\tVERSION\tNAME\tAPPLIED")
		for _, s := range st {
			at := "pending"
			if s.AppliedAt != nil {
				at = s.AppliedAt.Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(w, "%s\t%04d\t%s\t%s\n", s.Module, s.Version, s.Name, at)
		}
		return w.Flush()
	}
	return fmt.Errorf("migrate: unknown action %q (want up, down, status)", args[0])
}

func jobsCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("jobs needs list, retry ID or cancel ID")
	}
	a, ctx, cancel, err := load()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	switch args[0] {
	case "list":
		fs := flag.NewFlagSet("jobs list", flag.ContinueOnError)
		queue := fs.String("queue", "", "queue name")
		state := fs.String("state", "", "job state (available, scheduled, running, retryable, completed, cancelled, discarded)")
		kind := fs.String("kind", "", "job kind")
		limit := fs.Int("limit", 50, "at most this many")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		list, err := a.Jobs.List(ctx, *queue, *state, *kind, *limit)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tQUEUE\tKIND\tSTATE\tATTEMPT\tSCHEDULED\tLAST ERROR")
		for _, j := range list {
			last := ""
			if len(j.Errors) > 0 {
				last = j.Errors[len(j.Errors)-1]
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Queue, j.Kind, j.State, j.Attempt, j.MaxAttempts,
				j.ScheduledAt.Format("2006-01-02 15:04:05Z"), last)
		}
		return w.Flush()
	case "retry", "cancel":
		if len(args) < 2 {
			return fmt.Errorf("jobs %s needs a job id", args[0])
		}
		n, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("jobs %s: %q is not a job id", args[0], args[1])
		}
		op := a.Jobs.Retry
		if args[0] == "cancel" {
			op = a.Jobs.Cancel
		}
		j, err := op(ctx, n)
		if err != nil {
			return err
		}
		fmt.Printf("job %d (%s) is now %s\n", j.ID, j.Kind, j.State)
		return nil
	}
	return fmt.Errorf("jobs: unknown action %q", args[0])
}

// loadMigrated loads the app and applies pending migrations, as serve does; the caller closes it.
func loadMigrated() (*app.App, context.Context, context.CancelFunc, error) {
	a, ctx, cancel, err := load()
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := a.Migrator()
	if err == nil {
		_, err = m.Up(ctx)
	}
	if err != nil {
		cancel()
		a.Close()
		return nil, nil, nil, err
	}
	return a, ctx, cancel, nil
}

// usersCmd runs `bana users ...`: it applies pending migrations (as serve does), then the
// identity module's command. The password never comes from an argument.
func usersCmd(args []string) error {
	a, ctx, cancel, err := loadMigrated()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	fd := int(os.Stdin.Fd())
	return a.Identity.UsersCommand(ctx, args, identity.Prompt{In: os.Stdin, Out: os.Stdout, Terminal: term.IsTerminal(fd),
		ReadHidden: func() (string, error) {
			b, err := term.ReadPassword(fd)
			return string(b), err
		}})
}

func seedCmd(args []string) error {
	if len(args) == 0 || args[0] != "demo" {
		return errors.New("usage: bana seed demo [--password P] [--json]")
	}
	fs := flag.NewFlagSet("seed demo", flag.ContinueOnError)
	password := fs.String("password", "", "password of the owner's account (default: a random one, printed)")
	asJSON := fs.Bool("json", false, "print what was made as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, ctx, cancel, err := loadMigrated()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	d, err := a.SeedDemo(ctx, app.DemoOptions{Password: *password})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	if !d.Created {
		fmt.Println("The demo café was already there; nothing changed.")
	} else {
		fmt.Println("The demo café is ready.")
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "organizer\t%s\n", d.OrganizerID)
	fmt.Fprintf(w, "merchant\t%s\n", d.MerchantID)
	pw := d.OwnerPassword
	if pw == "" {
		pw = "(unchanged)"
	}
	fmt.Fprintf(w, "owner\t%s  password %s\n", d.OwnerEmail, pw)
	for _, s := range d.Staff {
		fmt.Fprintf(w, "employee %s\t%s (%s)  id %s  PIN %s\n", s.Code, s.Name, s.Job, s.EmployeeID, s.PIN)
	}
	if d.ShiftID != 0 {
		fmt.Fprintf(w, "shift\t%s (open, float %d VND)\n", d.ShiftID, d.OpeningFloat)
	} else {
		fmt.Fprintf(w, "shift\talready open\n")
	}
	for _, sku := range []string{"CF-SUA", "BM-THIT", "NS-500"} {
		fmt.Fprintf(w, "variant %s\t%s\n", sku, d.Catalog.Variants[sku])
	}
	for _, g := range []string{"SIZE", "SUGAR"} {
		names := slices.SortedFunc(maps.Keys(d.Catalog.Options[g]), func(a, b string) int {
			return cmp.Compare(d.Catalog.Options[g][a], d.Catalog.Options[g][b])
		})
		for _, name := range names {
			fmt.Fprintf(w, "option %s\t%s  %s\n", g, name, d.Catalog.Options[g][name])
		}
	}
	return w.Flush()
}

// openapiCmd prints the served OpenAPI document. It builds the application as serve does (the
// configured modules, base path and version) without migrating or listening.
func openapiCmd(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("openapi takes no arguments, got %q", args)
	}
	a, _, cancel, err := load()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	doc, err := a.Server.Document()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(doc, '\n'))
	return err
}

// searchCmd is `bana search reindex [collection]`: the collections rebuilt from the database one
// by one, the count written so far shown as it goes.
func searchCmd(args []string) error {
	if len(args) == 0 || args[0] != "reindex" || len(args) > 2 {
		return errors.New("usage: bana search reindex [collection]  (collections: " + strings.Join(search.CollectionNames(), ", ") + ")")
	}
	names := search.CollectionNames()
	if len(args) == 2 {
		if !slices.Contains(names, args[1]) {
			return fmt.Errorf("unknown collection %q (have: %s)", args[1], strings.Join(names, ", "))
		}
		names = []string{args[1]}
	}
	a, ctx, cancel, err := loadMigrated()
	if err != nil {
		return err
	}
	defer cancel()
	defer a.Close()
	ctx = auth.System(ctx)
	for _, name := range names {
		start := time.Now()
		n, err := a.Search.Reindex(ctx, name, func(collection string, done int) {
			fmt.Fprintf(os.Stderr, "\r%s: %d indexed", collection, done)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr)
			return fmt.Errorf("reindexing %s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "\r%s: %d indexed in %s\n", name, n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

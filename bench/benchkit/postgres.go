package benchkit

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CheckLoopback refuses a PostgreSQL server that is not on this machine (a loopback address,
// localhost or a Unix socket): a benchmark compares with pgbench on the same server and must
// not put a network between them.
func CheckLoopback(adminURL string) error {
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return fmt.Errorf("PostgreSQL URL: %w", err)
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") || h == "localhost" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			continue
		}
		return fmt.Errorf("PostgreSQL host %q is not a loopback address; the benchmark runs on loopback only", h)
	}
	return nil
}

// WithDatabase returns the connection string adminURL (a postgres:// URL or key=value pairs)
// pointed at the database name.
func WithDatabase(adminURL, name string) (string, error) {
	if strings.HasPrefix(adminURL, "postgres://") || strings.HasPrefix(adminURL, "postgresql://") {
		u, err := url.Parse(adminURL)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// key=value form: a later dbname wins.
	return adminURL + " dbname=" + name, nil
}

// Exec runs one statement on its own connection to url, bounded by 30 seconds.
func Exec(ctx context.Context, url, sql string) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(cctx, sql)
	return err
}

// Database is a scratch PostgreSQL database, made for a run and dropped at its end.
type Database struct {
	Name string // prefix and random hexadecimal
	URL  string // the admin URL pointed at it
	// admin is the URL of the server's maintenance database it was created through.
	admin string
}

// CreateDatabase makes a fresh database named prefix<random hex> through adminURL, whose user
// may create databases.
func CreateDatabase(ctx context.Context, adminURL, prefix string) (*Database, error) {
	name := prefix + RandomHex(4)
	dbURL, err := WithDatabase(adminURL, name)
	if err != nil {
		return nil, err
	}
	if err := Exec(ctx, adminURL, `CREATE DATABASE "`+name+`"`); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	return &Database{Name: name, URL: dbURL, admin: adminURL}, nil
}

// Drop removes the database, ending any session still connected to it. It uses a context of
// its own so that an interrupted run still cleans up.
func (d *Database) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Exec(ctx, d.admin, `DROP DATABASE IF EXISTS "`+d.Name+`" WITH (FORCE)`)
}

// Pgbench is pgbench's data set in a scratch database, a reference measured on the same server
// as BANA.
type Pgbench struct {
	Command string    // the pgbench command
	DB      *Database // the scratch database holding the data set
}

// NewPgbench creates a scratch database named prefix<random hex> through adminURL and
// initializes pgbench's tables there at the scale (pgbench -i -q -s scale), with the pgbench
// command.
func NewPgbench(ctx context.Context, command, adminURL, prefix string, scale int) (*Pgbench, error) {
	d, err := CreateDatabase(ctx, adminURL, prefix)
	if err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, command, "-i", "-q", "-s", strconv.Itoa(scale), d.URL).CombinedOutput(); err != nil {
		_ = d.Drop()
		return nil, fmt.Errorf("pgbench -i: %v: %s", err, out)
	}
	return &Pgbench{Command: command, DB: d}, nil
}

// Run runs pgbench with args on the data set and returns the transactions per second it
// reports.
func (p *Pgbench) Run(ctx context.Context, args ...string) (float64, error) {
	out, err := exec.CommandContext(ctx, p.Command, append(slices.Clip(args), p.DB.URL)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	return ParseTPS(out)
}

// Drop drops the data set's database.
func (p *Pgbench) Drop() error { return p.DB.Drop() }

var (
	tpsRe    = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	anyTPSRe = regexp.MustCompile(`tps = ([0-9.]+)`)
)

// ParseTPS reads the transactions per second from pgbench's output: the figure without the
// initial connection time, or, from a pgbench older than 14 that does not print it, the first.
func ParseTPS(out []byte) (float64, error) {
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		m = anyTPSRe.FindSubmatch(out)
	}
	if m == nil {
		return 0, fmt.Errorf("no tps in pgbench output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// AroundPgbench brackets body, the PostgreSQL scenarios of a benchmark, with pgbench measured
// right before and right after it: on a shared machine the load drifts, and the two figures
// show by how much. It makes pgbench's data set with setup, measures it with measure, and
// drops it once body and the second measure are done. The figures come in order: two, or
// fewer when setup or a measure failed; that failure is logged (log.Printf) and returned as
// pgbenchErr, and ends the measuring but not body. err is body's error.
func AroundPgbench[T any](setup func() (*Pgbench, error), measure func(*Pgbench) (T, error), body func() error) (figures []T, pgbenchErr, err error) {
	pb, pgbenchErr := setup()
	if pgbenchErr != nil {
		log.Printf("pgbench: %v", pgbenchErr)
	} else {
		defer pb.Drop()
	}
	once := func() {
		if pgbenchErr != nil {
			return
		}
		f, err := measure(pb)
		if err != nil {
			pgbenchErr = err
			log.Printf("pgbench: %v", err)
			return
		}
		figures = append(figures, f)
	}
	once()
	if err := body(); err != nil {
		return figures, pgbenchErr, err
	}
	once()
	return figures, pgbenchErr, nil
}

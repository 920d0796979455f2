package identity

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
)

// Prompt is the terminal of a command: where the password comes from. When Terminal is true
// the password is typed twice at a hidden prompt (ReadHidden); otherwise it is the first line
// of In, so that it can be piped in. It is never a command-line argument, which other users of
// the machine could read in the process list and which shells keep in their history.
type Prompt struct {
	In         io.Reader
	Out        io.Writer
	Terminal   bool
	ReadHidden func() (string, error)
}

// UsersUsage is the help of `bana users`.
const UsersUsage = `usage: bana users create-admin [--email E] [--username U] [--phone P] [--name N]

Creates a SUPER_ADMIN with the identifiers given (at least one). The password is read from a
hidden prompt, or from the first line of standard input when it is not a terminal:

  bana users create-admin --email admin@example.vn
  printf '%s\n' "$ADMIN_PASSWORD" | bana users create-admin --username admin`

// UsersCommand runs `bana users ...` (args after "users"), as the system: the command line has
// no caller.
func (m *Module) UsersCommand(ctx context.Context, args []string, p Prompt) error {
	ctx = auth.System(ctx)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		_, _ = io.WriteString(p.Out, UsersUsage+"\n")
		if len(args) == 0 {
			return errors.New("users needs a subcommand")
		}
		return nil
	}
	if args[0] != "create-admin" {
		return fmt.Errorf("users: unknown subcommand %q\n%s", args[0], UsersUsage)
	}
	for _, a := range args[1:] {
		if strings.HasPrefix(strings.TrimLeft(a, "-"), "password") {
			return errors.New("users create-admin: the password is never an argument: type it at the prompt or pipe it on standard input")
		}
	}
	fs := flag.NewFlagSet("users create-admin", flag.ContinueOnError)
	fs.SetOutput(p.Out)
	email := fs.String("email", "", "email address")
	username := fs.String("username", "", "username")
	phone := fs.String("phone", "", "phone number")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("users create-admin: unexpected argument %q", fs.Arg(0))
	}
	var idents []IdentifierInput
	for _, f := range []struct {
		s    Scheme
		v    string
		flag string
	}{{Username, *username, "--username"}, {Email, *email, "--email"}, {Phone, *phone, "--phone"}} {
		if f.v != "" {
			idents = append(idents, IdentifierInput{Scheme: f.s, Value: f.v, loc: f.flag})
		}
	}
	if len(idents) == 0 {
		return errors.New("users create-admin: give at least one of --email, --username, --phone")
	}
	pw, err := readPassword(p)
	if err != nil {
		return err
	}
	v, err := m.CreateUser(ctx, NewUser{Identifiers: idents, Password: pw, PasswordLoc: "password",
		Profile: Profile{DisplayName: *name}, Roles: []auth.Role{auth.SuperAdmin}})
	if err != nil {
		return cliError(err)
	}
	var list []string
	for _, i := range v.Identifiers {
		list = append(list, strings.ToLower(string(i.Scheme))+" "+i.Value)
	}
	fmt.Fprintf(p.Out, "created SUPER_ADMIN %s (%s)\n", v.ID, strings.Join(list, ", "))
	return nil
}

func readPassword(p Prompt) (string, error) {
	if p.Terminal {
		fmt.Fprint(p.Out, "Password: ")
		first, err := p.ReadHidden()
		fmt.Fprintln(p.Out)
		if err != nil {
			return "", err
		}
		fmt.Fprint(p.Out, "Repeat the password: ")
		second, err := p.ReadHidden()
		fmt.Fprintln(p.Out)
		if err != nil {
			return "", err
		}
		if first != second {
			return "", errors.New("users create-admin: the two passwords differ")
		}
		return first, nil
	}
	line, err := bufio.NewReader(p.In).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("users create-admin: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cliError words a domain error for a terminal: the field and the rule.
func cliError(err error) error {
	var e *errs.E
	if errors.As(err, &e) && len(e.Fields) > 0 {
		f := e.Fields[0]
		return fmt.Errorf("users create-admin: %s %s", strings.TrimPrefix(f.Location, "body."), f.Message)
	}
	return err
}

// AnnounceBootstrap logs, at start-up, how to create the first SUPER_ADMIN when there is none.
// It reports whether it did.
func (m *Module) AnnounceBootstrap(ctx context.Context) bool {
	ok, err := m.HasSuperAdmin(ctx)
	if err != nil {
		m.log.DebugContext(ctx, "identity: cannot check for a SUPER_ADMIN", "error", err)
		return false
	}
	if ok {
		return false
	}
	m.log.WarnContext(ctx, "no SUPER_ADMIN yet: create one with `bana users create-admin --email you@example.vn` "+
		"(the password is asked at a hidden prompt, or read from standard input)")
	return true
}

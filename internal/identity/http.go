package identity

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/danielgtaylor/huma/v2"
)

// Requirements of the module's routes.
var (
	anyone     = auth.Requirement{Public: true}
	signedIn   = auth.Requirement{}
	adminsRead = auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin, auth.Operator}}
	adminsOnly = auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin}}
)

type noContent struct{}

func caller(ctx context.Context) (*auth.Principal, error) {
	if p := auth.From(ctx); p != nil {
		return p, nil
	}
	return nil, auth.ErrUnauthenticated
}

// WhoAmI is the caller as its credentials say, with its account.
type WhoAmI struct {
	Kind        string    `json:"kind" openapi:"enum=user,pin,device,system" doc:"user (password or Basic), pin (employee PIN at a terminal), device, system"`
	UserID      id.ID     `json:"userId"`
	Roles       []string  `json:"roles"`
	Permissions []string  `json:"permissions"`
	OrganizerID *id.ID    `json:"organizerId,omitempty"`
	MerchantIDs []id.ID   `json:"merchantIds,omitempty"`
	User        *UserView `json:"user,omitempty" doc:"Absent for callers without an account (devices)"`
}

// WhoAmI describes the caller: what its token grants (roles, permissions, tenant) and its
// account (identifiers, profile), read in two queries.
func (m *Module) WhoAmI(ctx context.Context) (*WhoAmI, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	w := &WhoAmI{Kind: p.Kind, UserID: p.UserID, Permissions: p.Permissions, MerchantIDs: p.MerchantIDs}
	for _, r := range p.Roles {
		w.Roles = append(w.Roles, r.String())
	}
	if w.Roles == nil {
		w.Roles = []string{}
	}
	if w.Permissions == nil {
		w.Permissions = []string{}
	}
	if p.OrganizerID != 0 {
		o := p.OrganizerID
		w.OrganizerID = &o
	}
	view, ok := m.accounts.get(p.UserID, m.now())
	if !ok {
		a, err := m.loadAccount(ctx, p.UserID)
		switch {
		case err == nil:
			view = &a.view
		case errs.KindOf(err) != errs.NotFound:
			return nil, err
		}
		m.accounts.put(p.UserID, view, m.now())
	}
	if view != nil {
		v := *view
		v.Roles, v.Permissions, v.MerchantIDs = w.Roles, w.Permissions, p.MerchantIDs
		w.User = &v
	}
	return w, nil
}

// accountCache keeps the accounts who-am-i shows for two seconds. It decides nothing: what a
// caller may do comes from its token and the revocation check, both read fresh on every
// request. Identity's own writes drop the entries they change at once; a change made by another
// process shows here within two seconds.
type accountCache struct {
	mu   sync.Mutex
	ttl  time.Duration
	max  int
	list map[id.ID]cachedAccount
}

type cachedAccount struct {
	view *UserView // nil: no account
	exp  time.Time
}

func newAccountCache(max int, ttl time.Duration) *accountCache {
	return &accountCache{ttl: ttl, max: max, list: map[id.ID]cachedAccount{}}
}

func (c *accountCache) get(uid id.ID, now time.Time) (*UserView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.list[uid]
	if !ok || !now.Before(e.exp) {
		return nil, false
	}
	return e.view, true
}

func (c *accountCache) put(uid id.ID, v *UserView, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) >= c.max {
		for k, e := range c.list {
			if !now.Before(e.exp) || len(c.list) >= c.max {
				delete(c.list, k)
			}
		}
	}
	c.list[uid] = cachedAccount{view: v, exp: now.Add(c.ttl)}
}

func (c *accountCache) forget(uid id.ID) {
	c.mu.Lock()
	delete(c.list, uid)
	c.mu.Unlock()
}

func (m *Module) authRoutes(s *api.Server) {
	tags := []string{"Auth"}
	type sessionOut struct{ Body *Session }
	api.Register(s, huma.Operation{OperationID: "sign-up", Method: http.MethodPost, Path: "/auth/sign-up", Tags: tags,
		Summary: "Sign a seller up", DefaultStatus: http.StatusCreated, Errors: []int{409},
		Description: "Creates the seller's organizer and account (ORGANIZER_OWNER) with its identifiers, publishes SellerRegistered, " +
			"signs the seller in and mails a verification code when an email is given. A taken identifier is a 409 naming it; " +
			"a weak password a 400 naming the rule."},
		anyone, func(ctx context.Context, in *struct{ Body SignUp }) (*sessionOut, error) {
			sess, err := m.SignUp(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &sessionOut{Body: sess}, nil
		})

	type signInBody struct {
		Identifier string `json:"identifier,omitempty" openapi:"required" doc:"Username, email, phone number or user number (the scheme is read from it unless given)"`
		Scheme     string `json:"scheme,omitempty" openapi:"enum=USERNAME,EMAIL,PHONE_NUMBER,USER_NUMBER,NX_AUTH" doc:"USERNAME, EMAIL, PHONE_NUMBER, USER_NUMBER or NX_AUTH"`
		Password   string `json:"password,omitempty" openapi:"required"`
	}
	api.Register(s, huma.Operation{OperationID: "sign-in", Method: http.MethodPost, Path: "/auth/sign-in", Tags: tags,
		Summary: "Sign in with any identifier and a password", Errors: []int{401, 429},
		Description: "Returns a bearer token (HS256 JWT) and the user. A wrong identifier and a wrong password get the same 401. " +
			"From one client address, at most 5 attempts at one identifier and 30 in all in 15 minutes (429); HTTP Basic " +
			"on any route counts against the same limits. An identifier tried 20 times from all addresses takes only the " +
			"first attempt of each address until its window ends."},
		anyone, func(ctx context.Context, in *struct{ Body signInBody }) (*sessionOut, error) {
			sess, err := m.SignIn(ctx, in.Body.Scheme, in.Body.Identifier, in.Body.Password, auth.ClientAddr(ctx))
			if err != nil {
				return nil, err
			}
			return &sessionOut{Body: sess}, nil
		})

	api.Register(s, huma.Operation{OperationID: "sign-out", Method: http.MethodPost, Path: "/auth/sign-out", Tags: tags,
		Summary: "Revoke the bearer token of this request", DefaultStatus: http.StatusNoContent},
		signedIn, func(ctx context.Context, _ *struct{}) (*noContent, error) {
			if err := m.SignOut(ctx); err != nil {
				return nil, err
			}
			return &noContent{}, nil
		})

	type changeBody struct {
		CurrentPassword string `json:"currentPassword,omitempty" openapi:"required"`
		NewPassword     string `json:"newPassword,omitempty" openapi:"required"`
	}
	api.Register(s, huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/auth/change-password", Tags: tags,
		Summary: "Change the caller's password", DefaultStatus: http.StatusNoContent, Errors: []int{429},
		Description: "Checks the current password, applies the password rules, and revokes every other token of the user."},
		signedIn, func(ctx context.Context, in *struct{ Body changeBody }) (*noContent, error) {
			if err := m.ChangePassword(ctx, in.Body.CurrentPassword, in.Body.NewPassword); err != nil {
				return nil, err
			}
			return &noContent{}, nil
		})

	type whoOut struct{ Body *WhoAmI }
	api.Register(s, huma.Operation{OperationID: "who-am-i", Method: http.MethodGet, Path: "/auth/who-am-i", Tags: tags,
		Summary: "The caller: its grants and its account"},
		signedIn, func(ctx context.Context, _ *struct{}) (*whoOut, error) {
			w, err := m.WhoAmI(ctx)
			if err != nil {
				return nil, err
			}
			return &whoOut{Body: w}, nil
		})

	type pinOut struct{ Body *PINSession }
	api.Register(s, huma.Operation{OperationID: "pin-sign-in", Method: http.MethodPost, Path: "/auth/pin-sign-in", Tags: tags,
		Summary: "Employee PIN sign-in at a shared terminal", Errors: []int{404, 409, 429},
		Description: "The terminal is signed in (an owner, an employee of the merchant, or a device); an employee types its PIN and gets " +
			"a short-lived EMPLOYEE token scoped to that one merchant. 5 wrong PINs per employee and merchant lock it for 15 minutes."},
		signedIn, func(ctx context.Context, in *struct{ Body PINSignIn }) (*pinOut, error) {
			out, err := m.SignInWithPIN(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &pinOut{Body: out}, nil
		})

	type statusOut struct{ Body *VerificationStatus }
	api.Register(s, huma.Operation{OperationID: "send-email-verification", Method: http.MethodPost, Path: "/auth/verify-email/send", Tags: tags,
		Summary: "Mail a verification code and link to the caller's email", DefaultStatus: http.StatusAccepted, Errors: []int{409, 422, 429, 503},
		Description: "A 6-digit code (10 minutes, 3 attempts) and a link (24 hours). At least 60 seconds between mails, at most 5 resends a day, " +
			"and none for 15 minutes after the last wrong code."},
		signedIn, func(ctx context.Context, _ *struct{}) (*statusOut, error) {
			p, err := caller(ctx)
			if err != nil {
				return nil, err
			}
			st, err := m.SendVerification(ctx, p.UserID)
			if err != nil {
				return nil, err
			}
			return &statusOut{Body: st}, nil
		})

	type verifiedOut struct{ Body *Verified }
	type codeBody struct {
		Code string `json:"code,omitempty" openapi:"required" doc:"The 6-digit code from the mail"`
	}
	api.Register(s, huma.Operation{OperationID: "confirm-email-code", Method: http.MethodPost, Path: "/auth/verify-email/confirm", Tags: tags,
		Summary: "Verify the caller's email with the code", Errors: []int{409, 422, 429}},
		signedIn, func(ctx context.Context, in *struct{ Body codeBody }) (*verifiedOut, error) {
			p, err := caller(ctx)
			if err != nil {
				return nil, err
			}
			v, err := m.ConfirmCode(ctx, p.UserID, in.Body.Code)
			if err != nil {
				return nil, err
			}
			return &verifiedOut{Body: v}, nil
		})

	api.Register(s, huma.Operation{OperationID: "confirm-email-link", Method: http.MethodGet, Path: "/auth/verify-email", Tags: tags,
		Summary: "Verify an email with the link's token", Errors: []int{409, 422}},
		anyone, func(ctx context.Context, in *struct {
			Token string `query:"token" openapi:"required" doc:"The token of the link"`
		}) (*verifiedOut, error) {
			v, err := m.ConfirmToken(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			return &verifiedOut{Body: v}, nil
		})
}

// createUserBody is an admin's new user.
type createUserBody struct {
	Identifiers []IdentifierInput `json:"identifiers,omitempty" openapi:"required" doc:"USERNAME, EMAIL, PHONE_NUMBER or NX_AUTH values; a USER_NUMBER is generated"`
	Password    string            `json:"password,omitempty" doc:"Required unless an NX_AUTH identifier is given"`
	Profile     Profile           `json:"profile,omitempty"`
	Roles       []string          `json:"roles,omitempty" doc:"Role names, e.g. OPERATOR"`
	OrganizerID id.ID             `json:"organizerId,omitempty"`
	Status      string            `json:"status,omitempty" openapi:"enum=ACTIVE,BLOCKED" doc:"ACTIVE (default) or BLOCKED"`
}

func (m *Module) userRoutes(s *api.Server) {
	usersWrite := adminsOnly
	api.RegisterCRUD(s, api.CRUD[User]{Table: m.users, Path: "/users", Tag: "Users", Singular: "user", Permission: PermUser,
		Disable: []api.Route{api.RouteCreate},
		Auth: map[api.Route]auth.Requirement{
			api.RouteFind: withPerm(adminsRead, PermUserRead), api.RouteCount: withPerm(adminsRead, PermUserRead),
			api.RouteFindOne: withPerm(adminsRead, PermUserRead), api.RouteGet: withPerm(adminsRead, PermUserRead),
			api.RouteReplace: usersWrite, api.RoutePatch: usersWrite, api.RouteUpdateBy: usersWrite,
			api.RouteDelete: usersWrite, api.RouteDeleteBy: usersWrite, api.RouteRestore: usersWrite,
		},
		Validate: func(_ context.Context, row *User, _ bool) error {
			if row.Status != StatusActive && row.Status != StatusBlocked {
				return errs.Field("body.status", "must be ACTIVE or BLOCKED", row.Status)
			}
			return nil
		}})
	type userOut struct{ Body *UserView }
	api.Register(s, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/users", Tags: []string{"Users"},
		Summary: "Create a user with identifiers, profile, password and roles", DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
		Description: "The UserService: one transaction. Only a SUPER_ADMIN may grant SUPER_ADMIN or ADMIN."},
		usersWrite, func(ctx context.Context, in *struct{ Body createUserBody }) (*userOut, error) {
			roles, err := m.roleCodes(ctx, in.Body.Roles)
			if err != nil {
				return nil, err
			}
			v, err := m.CreateUser(ctx, NewUser{Identifiers: in.Body.Identifiers, Password: in.Body.Password, Profile: in.Body.Profile,
				Roles: roles, OrganizerID: in.Body.OrganizerID, Status: in.Body.Status})
			if err != nil {
				return nil, err
			}
			return &userOut{Body: v}, nil
		})
}

func withPerm(r auth.Requirement, perm string) auth.Requirement {
	r.Permission = perm
	return r
}

func (m *Module) roleRoutes(s *api.Server) {
	readers := map[api.Route]auth.Requirement{api.RouteFind: adminsRead, api.RouteCount: adminsRead, api.RouteFindOne: adminsRead, api.RouteGet: adminsRead}
	writers := func(extra ...api.Route) map[api.Route]auth.Requirement {
		out := map[api.Route]auth.Requirement{}
		for k, v := range readers {
			out[k] = v
		}
		for _, r := range append([]api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy}, extra...) {
			out[r] = adminsOnly
		}
		return out
	}

	// A fixed role refuses its delete in the table's Delete hook (setHooks); a bulk delete or
	// edit of roles has no use.
	api.RegisterCRUD(s, api.CRUD[Role]{Table: m.roles, Path: "/roles", Tag: "Roles", Singular: "role", Permission: PermRole,
		Disable: []api.Route{api.RouteDeleteBy, api.RouteUpdateBy}, Auth: writers(),
		Validate: func(_ context.Context, row *Role, isNew bool) error {
			row.Name = strings.ToUpper(strings.TrimSpace(row.Name))
			if isFixed(int(row.ID)) {
				if row.Code != int(row.ID) || row.Name != auth.Role(row.ID).String() {
					return errs.Field("body.code", "the code and name of a fixed role cannot change", row.Code)
				}
				return nil
			}
			if row.Code < 1 || row.Code > MaxCustomRoleCode {
				return errs.Field("body.code", fmt.Sprintf("must be 1..%d: 898 and above are the fixed roles", MaxCustomRoleCode), row.Code)
			}
			if _, fixed := auth.ParseRole(row.Name); fixed || len(row.Name) < 2 || len(row.Name) > 50 || strings.Trim(row.Name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
				return errs.Field("body.name", "must be an UPPER_SNAKE name that is not a fixed role's", row.Name)
			}
			return nil
		}})
	api.RegisterCRUD(s, api.CRUD[Permission]{Table: m.permissions, Path: "/permissions", Tag: "Permissions", Singular: "permission",
		Permission: PermPermission, Auth: writers(),
		Validate: func(_ context.Context, row *Permission, _ bool) error {
			if !permissionCode(row.Code) {
				return errs.Field("body.code", "must be resource.action, resource.* or * (lower case)", row.Code)
			}
			return nil
		}})

	api.RegisterCRUD(s, api.CRUD[RolePermission]{Table: m.rolePerms, Path: "/role-permissions", Tag: "Roles", Singular: "role-permission",
		Permission: PermRole, Auth: writers(), Disable: []api.Route{api.RouteReplace, api.RoutePatch, api.RouteUpdateBy}})

	// Taking SUPER_ADMIN or ADMIN away is refused as granting it is: the Delete hook (setHooks)
	// checks it one row at a time, so the bulk delete stays off.
	api.RegisterCRUD(s, api.CRUD[UserRole]{Table: m.userRoles, Path: "/user-roles", Tag: "Roles", Singular: "user-role",
		Permission: PermRole, Auth: writers(), Disable: []api.Route{api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDeleteBy},
		Validate: func(ctx context.Context, row *UserRole, _ bool) error {
			return checkGrant(ctx, "body.roleId", []auth.Role{auth.Role(row.RoleID)})
		}})
}

func permissionCode(c string) bool {
	if c == "*" {
		return true
	}
	res, act, ok := strings.Cut(c, ".")
	word := func(w string) bool {
		return w != "" && w[0] >= 'a' && w[0] <= 'z' && strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
	}
	return ok && word(res) && (act == "*" || word(act))
}

func (m *Module) organizerRoutes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Organizer]{Table: m.organizers, Path: "/organizers", Tag: "Organizers", Singular: "organizer",
		Permission: PermOrganizer,
		Auth: map[api.Route]auth.Requirement{api.RouteCreate: adminsOnly, api.RouteDelete: adminsOnly, api.RouteDeleteBy: adminsOnly,
			api.RouteRestore: adminsOnly},
		Validate: func(_ context.Context, row *Organizer, _ bool) error {
			row.Name = strings.TrimSpace(row.Name)
			if row.Name == "" || len([]rune(row.Name)) > 200 {
				return errs.Field("body.name", "must have 1 to 200 characters", row.Name)
			}
			if row.Status == "" {
				row.Status = StatusActive
			}
			if row.Status != StatusActive && row.Status != StatusInactive {
				return errs.Field("body.status", "must be ACTIVE or INACTIVE", row.Status)
			}
			return nil
		}})
}

func (m *Module) employeeRoutes(s *api.Server) {
	tags := []string{"Employees"}
	api.RegisterCRUD(s, api.CRUD[Employee]{Table: m.employees, Path: "/employees", Tag: "Employees", Singular: "employee",
		Permission: PermEmployee, Disable: []api.Route{api.RouteCreate},
		Validate: func(_ context.Context, row *Employee, _ bool) error {
			if row.Status != StatusActive && row.Status != StatusInactive {
				return errs.Field("body.status", "must be ACTIVE or INACTIVE", row.Status)
			}
			return nil
		}})
	type employeeOut struct{ Body *EmployeeView }
	api.Register(s, huma.Operation{OperationID: "create-employee", Method: http.MethodPost, Path: "/employees", Tags: tags,
		Summary: "Create an employee with its account", DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
		Description: "The EmployeeService: one transaction creates the account (EMPLOYEE role, a user number), the employee and its merchants."},
		auth.Requirement{Permission: PermEmployeeWrite}, func(ctx context.Context, in *struct{ Body NewEmployee }) (*employeeOut, error) {
			v, err := m.CreateEmployee(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &employeeOut{Body: v}, nil
		})
	type merchantsBody struct {
		MerchantIDs []id.ID `json:"merchantIds,omitempty" openapi:"required"`
	}
	api.Register(s, huma.Operation{OperationID: "set-employee-merchants", Method: http.MethodPut, Path: "/employees/{id}/merchants", Tags: tags,
		Summary: "Set the merchants an employee works at", Errors: []int{404}},
		auth.Requirement{Permission: PermEmployeeWrite}, func(ctx context.Context, in *struct {
			api.IDParam
			Body merchantsBody
		}) (*employeeOut, error) {
			eid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			v, err := m.SetMerchants(ctx, eid, in.Body.MerchantIDs)
			if err != nil {
				return nil, err
			}
			return &employeeOut{Body: v}, nil
		})
	type pinBody struct {
		MerchantID id.ID  `json:"merchantId,omitempty"`
		PIN        string `json:"pin,omitempty" openapi:"required" doc:"4 to 6 digits, not 1111 nor 1234"`
	}
	api.Register(s, huma.Operation{OperationID: "set-employee-pin", Method: http.MethodPut, Path: "/employees/{id}/pin", Tags: tags,
		Summary: "Set an employee's PIN at one of its merchants", DefaultStatus: http.StatusNoContent, Errors: []int{404},
		Description: "The employee itself, or a caller with employee.write over the employee."},
		signedIn, func(ctx context.Context, in *struct {
			api.IDParam
			Body pinBody
		}) (*noContent, error) {
			eid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			if err := m.SetPIN(ctx, eid, in.Body.MerchantID, in.Body.PIN); err != nil {
				return nil, err
			}
			return &noContent{}, nil
		})
}

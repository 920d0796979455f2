package identity

import (
	"sort"

	"github.com/banapos/bana/internal/platform/auth"
)

// DefaultPermissions are the permissions each fixed role holds when the database is created:
// the one table of role defaults (docs/identity.md shows it). Admins change them later through
// /role-permissions; a change reaches a user at the next sign-in, when the token is issued.
//
// SUPER_ADMIN and ADMIN hold every permission whatever the table says (auth.Principal.Can).
// ORGANIZER_OWNER holds "*", confined to its organizer by the tenant scope. OPERATOR sees every
// tenant (support work) but only reads. EMPLOYEE gets what a cashier, waiter or kitchen hand
// needs at a terminal, within its merchants: pricing.read to quote a cart as it is rung up
// (docs/pricing.md), not pricing.write.
var DefaultPermissions = map[auth.Role][]string{
	auth.SuperAdmin:     {"*"},
	auth.Admin:          {"*"},
	auth.OrganizerOwner: {"*"},
	auth.Operator: {
		"user.read", "organizer.read", "employee.read", "role.read", "permission.read",
		"configuration.read", "merchant.read", "catalog.read", "product.read", "inventory.read",
		"sale.read", "payment.read", "finance.read", "invoice.read",
	},
	auth.Employee: {
		"sale.*", "shift.*", "kitchen.*", "catalog.read", "product.read", "merchant.read",
		"inventory.read", "pricing.read", "configuration.read",
	},
}

// defaultPermissionCodes lists every permission the defaults name, sorted, for seeding the
// permissions table.
func defaultPermissionCodes() []string {
	seen := map[string]bool{}
	var out []string
	for _, perms := range DefaultPermissions {
		for _, p := range perms {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// roleDescriptions describe the fixed roles (the document's Default Roles scopes).
var roleDescriptions = map[auth.Role]string{
	auth.SuperAdmin:     "Full system access",
	auth.Admin:          "Administrative operations",
	auth.Operator:       "Operational management: sees every tenant, reads",
	auth.OrganizerOwner: "Organizer-scoped access: the seller who owns the business",
	auth.Employee:       "Employee-scoped access: the merchants the employee works at",
}

// isFixed reports whether code is one of the document's five roles.
func isFixed(code int) bool {
	for _, r := range auth.Roles {
		if int(r) == code {
			return true
		}
	}
	return false
}

// MaxCustomRoleCode bounds the codes of roles admins add: below EMPLOYEE, so a custom role never
// outranks a fixed one. A custom role's holders get the employee's tenant scope (their
// organizer's rows, narrowed to their merchants) and the permissions the role grants.
const MaxCustomRoleCode = 897

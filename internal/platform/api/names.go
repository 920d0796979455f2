package api

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
)

// schemaNamer names the OpenAPI components of Go types. Huma names a struct after its type, and
// an anonymous struct after a hint: "<operationId>Request" for a request body,
// "<operationId>Response" for a response body, "<Parent>Body" for the Body field of a named
// input or output struct. Those give names such as "Add-order-itemsRequest" and "CountOutBody",
// and "<operationId>Response" is the very name oapi-codegen gives an operation's response
// wrapper in a Go client, so the two collide. The namer turns those artefacts into plain names:
//
//	anonymous, hint "add-order-itemsRequest"             AddOrderItemsInput
//	anonymous, hint "delete-purchase-order-itemResponse" DeletePurchaseOrderItemResult
//	anonymous, hint "CheckoutInBody" / "RevealOutBody"   CheckoutInput / RevealResult
//	named signInBody, in an operation's anonymous input  SignInInput (after the operation)
//	named OpenShiftRequest, refundOutBody                OpenShiftInput, RefundResult
//
// Other names are huma's. Two struct types that would get one name make the namer panic at
// start-up (a programming error every test finds), where huma would silently reference the
// first type's schema for the second.
type schemaNamer struct {
	mu    sync.Mutex
	names map[string]reflect.Type
}

func newSchemaNamer() *schemaNamer { return &schemaNamer{names: map[string]reflect.Type{}} }

// Name is a huma schema namer (huma.NewMapRegistry).
func (n *schemaNamer) Name(t reflect.Type, hint string) string {
	name := schemaName(t, hint)
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Kind() != reflect.Struct || base == reflect.TypeFor[time.Time]() {
		return name
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if prev, ok := n.names[name]; ok && prev != base {
		panic(fmt.Sprintf("api: the OpenAPI schema name %s is taken by %s and %s; rename one of the types", name, prev, base))
	}
	n.names[name] = base
	return name
}

func schemaName(t reflect.Type, hint string) string {
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	own := base.Name()
	if own == "" || base.Kind() != reflect.Struct {
		if own == "" && base.Kind() == reflect.Struct {
			return fromHint(hint)
		}
		return huma.DefaultSchemaNamer(t, hint)
	}
	if strings.Contains(own, "[") { // generic instances: huma's name (ResponseOrderView)
		return huma.DefaultSchemaNamer(t, hint)
	}
	switch {
	case strings.HasSuffix(own, "Body") && operationHint(hint):
		// A body type a module named for one operation: name it after the operation.
		return fromHint(hint)
	case strings.HasSuffix(own, "OutBody"), strings.HasSuffix(own, "Response"):
		return camel(trimAny(own, "OutBody", "Response")) + "Result"
	case strings.HasSuffix(own, "Body"), strings.HasSuffix(own, "Request"):
		return camel(trimAny(own, "Body", "Request")) + "Input"
	}
	return huma.DefaultSchemaNamer(t, hint)
}

// operationHint reports whether hint is huma's "<operationId>Request" (operation ids are
// kebab-case: "sign-in", "create-order").
func operationHint(hint string) bool {
	return strings.HasSuffix(hint, "Request") && (strings.Contains(hint, "-") || unicode.IsLower(firstRune(hint)))
}

// fromHint names an anonymous struct from huma's hint.
func fromHint(hint string) string {
	switch {
	case strings.HasSuffix(hint, "OutBody"), strings.HasSuffix(hint, "Response"):
		return camel(trimAny(hint, "OutBody", "Response")) + "Result"
	case strings.HasSuffix(hint, "InBody"), strings.HasSuffix(hint, "Request"):
		return camel(trimAny(hint, "InBody", "Request")) + "Input"
	case strings.HasSuffix(hint, "Body"):
		return camel(strings.TrimSuffix(hint, "Body"))
	}
	return camel(hint)
}

func trimAny(s string, suffixes ...string) string {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return strings.TrimSuffix(s, x)
		}
	}
	return s
}

// camel turns "add-order-items" or "signIn" into "AddOrderItems" / "SignIn".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' }) {
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

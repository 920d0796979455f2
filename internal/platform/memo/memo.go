// Package memo remembers reads for the length of one operation (a checkout, a quote), so that
// modules asked the same question several times by one operation ask the database once. An
// operation opts in with With; outside one, Get always misses and Put does nothing, so code that
// uses a memo behaves exactly as without it. A memo must not outlive the operation that made it:
// it never sees later writes.
package memo

import (
	"context"
	"sync"
)

type ctxKey struct{}

// Memo is one operation's remembered reads. It is safe for concurrent use.
type Memo struct {
	mu sync.Mutex
	m  map[any]any
}

// With returns ctx with a memo: the one ctx already has, or a new one.
func With(ctx context.Context) context.Context {
	if _, ok := ctx.Value(ctxKey{}).(*Memo); ok {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, &Memo{m: map[any]any{}})
}

// Get returns the value remembered under key in ctx's memo, if any and of type V.
func Get[V any](ctx context.Context, key any) (V, bool) {
	var zero V
	mm, ok := ctx.Value(ctxKey{}).(*Memo)
	if !ok {
		return zero, false
	}
	mm.mu.Lock()
	v, ok := mm.m[key]
	mm.mu.Unlock()
	if !ok {
		return zero, false
	}
	out, ok := v.(V)
	return out, ok
}

// Put remembers v under key in ctx's memo; without a memo it does nothing. Keys are comparable
// values of a type of the caller's package, so that packages never collide.
func Put(ctx context.Context, key, v any) {
	mm, ok := ctx.Value(ctxKey{}).(*Memo)
	if !ok {
		return
	}
	mm.mu.Lock()
	mm.m[key] = v
	mm.mu.Unlock()
}

// Forget drops key from ctx's memo (after a write of the operation's own that changes it).
func Forget(ctx context.Context, key any) {
	if mm, ok := ctx.Value(ctxKey{}).(*Memo); ok {
		mm.mu.Lock()
		delete(mm.m, key)
		mm.mu.Unlock()
	}
}

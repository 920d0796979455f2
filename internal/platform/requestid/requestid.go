// Package requestid carries the id of an HTTP request in its context and puts it on every log
// line written for that request: a module logs with slog's *Context methods (InfoContext,
// ErrorContext) and the process logger, wrapped by Handler, adds request_id.
package requestid

import (
	"context"
	"log/slog"
)

type key struct{}

// With returns ctx carrying the request id.
func With(ctx context.Context, id string) context.Context { return context.WithValue(ctx, key{}, id) }

// From returns the request id in ctx, "" outside a request.
func From(ctx context.Context) string {
	s, _ := ctx.Value(key{}).(string)
	return s
}

// Handler wraps h so that every record logged with a request's context carries request_id.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(as)} }
func (h handler) WithGroup(name string) slog.Handler    { return handler{h.Handler.WithGroup(name)} }

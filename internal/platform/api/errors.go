package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

// statusOf maps an error kind to its HTTP status: the one place where domain errors meet HTTP.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Rule:
		return http.StatusUnprocessableEntity
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Error turns any error into a problem+json status error. Unclassified errors are logged and
// answered with a 500 that hides their text.
func (s *Server) Error(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return se
	}
	err = db.Classify(err)
	if errors.Is(err, context.Canceled) {
		return huma.NewError(499, "client closed request")
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// A streamed body (BodyStream) ran past its operation's limit while the handler read it.
		return huma.NewError(http.StatusRequestEntityTooLarge, "request body is larger than "+strconv.FormatInt(tooLarge.Limit, 10)+" bytes")
	}
	var e *errs.E
	if !errors.As(err, &e) {
		s.log.ErrorContext(ctx, "unexpected error", slog.Any("error", err))
		return huma.Error500InternalServerError("unexpected error; request id " + RequestID(ctx))
	}
	status := statusOf(e.Kind)
	if status >= 500 {
		s.log.ErrorContext(ctx, "request failed", slog.Any("error", err))
	}
	msg := e.Message
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable {
		// The cause may hold connection details; keep it in the log only.
		if msg == "" {
			msg = http.StatusText(status)
		}
	} else if e.Err != nil && msg == "" {
		msg = e.Err.Error()
	}
	details := make([]error, 0, len(e.Fields))
	for _, f := range e.Fields {
		details = append(details, &huma.ErrorDetail{Location: f.Location, Message: f.Message, Value: f.Value})
	}
	return huma.NewError(status, msg, details...)
}

// schemaStatus makes huma's own request validation (a missing required field, a wrong type, a
// value outside the schema) answer 400 like every other bad input (CONVENTIONS: 400 bad input,
// 422 a rule refused it). Huma writes those errors as 422 "validation failed" through its one
// error hook, NewErrorWithContext, a package variable; it is wrapped once per process and changes
// nothing else (docs/decisions/0003-schema-errors-are-400.md).
var schemaStatus sync.Once

func badInputIs400() {
	schemaStatus.Do(func() {
		next := huma.NewErrorWithContext
		huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			if status == http.StatusUnprocessableEntity && msg == "validation failed" {
				status = http.StatusBadRequest
			}
			return next(ctx, status, msg, errs...)
		}
	})
}

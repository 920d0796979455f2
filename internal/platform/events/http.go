package events

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bun"
)

// LogEntry is one published event.
type LogEntry struct {
	bun.BaseModel `bun:"table:event_log" json:"-"`
	ID            id.ID           `bun:"id,pk" json:"id"`
	Name          string          `bun:"name" json:"name"`
	Version       int             `bun:"version" json:"version"`
	Payload       json.RawMessage `bun:"payload" json:"payload"`
	Subscribers   int             `bun:"subscribers" json:"subscribers"`
	OccurredAt    time.Time       `bun:"occurred_at" json:"occurredAt"`
}

// Routes registers the admin API: the event log and the deliveries that were discarded after
// their last attempt (retry them with POST /jobs/{id}/retry).
func (b *Bus) Routes(s *api.Server) {
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin, auth.Operator}}
	log := query.NewTable[LogEntry]("event", b.db, b.ids, query.Options{})
	api.RegisterCRUD(s, api.CRUD[LogEntry]{Table: log, Path: "/events", Tag: "Events", Singular: "event",
		Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore},
		Auth:    map[api.Route]auth.Requirement{api.RouteFind: admins, api.RouteCount: admins, api.RouteFindOne: admins, api.RouteGet: admins}})
	type listIn struct {
		Limit int `query:"limit" minimum:"1" maximum:"1000" default:"50"`
	}
	type listOut struct{ Body []jobs.Job }
	api.Register(s, huma.Operation{OperationID: "list-discarded-deliveries", Method: http.MethodGet, Path: "/event-deliveries/discarded",
		Tags: []string{"Events"}, Summary: "Event deliveries that failed every attempt"}, admins,
		func(ctx context.Context, in *listIn) (*listOut, error) {
			list, err := b.jobs.List(ctx, "", "discarded", Delivery{}.Kind(), in.Limit)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: list}, nil
		})
}

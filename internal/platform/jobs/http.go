package jobs

import (
	"context"
	"net/http"
	"strconv"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

// Routes registers the admin API: list jobs by queue and state, retry or cancel one.
func (c *Client) Routes(s *api.Server) {
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin, auth.Operator}}
	tags := []string{"Jobs"}
	type listIn struct {
		Queue string `query:"queue" doc:"Queue name, e.g. sale"`
		State string `query:"state" enum:"available,scheduled,running,retryable,completed,cancelled,discarded,pending," doc:"Job state"`
		Kind  string `query:"kind" doc:"Job kind, e.g. event.delivery"`
		Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"50"`
	}
	type listOut struct{ Body []Job }
	api.Register(s, huma.Operation{OperationID: "list-jobs", Method: http.MethodGet, Path: "/jobs", Tags: tags,
		Summary: "List background jobs by queue and state"}, admins,
		func(ctx context.Context, in *listIn) (*listOut, error) {
			if in.Queue != "" && !c.HasQueue(in.Queue) {
				return nil, errs.Field("query.queue", "unknown queue", in.Queue)
			}
			jobs, err := c.List(ctx, in.Queue, in.State, in.Kind, in.Limit)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: decodeArgs(jobs)}, nil
		})
	type idIn struct {
		ID string `path:"id"`
	}
	type oneOut struct{ Body Job }
	parse := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, errs.Field("path.id", "must be a job id", s)
		}
		return n, nil
	}
	api.Register(s, huma.Operation{OperationID: "retry-job", Method: http.MethodPost, Path: "/jobs/{id}/retry", Tags: tags,
		Summary: "Run a job again (discarded, cancelled, completed or waiting)", Errors: []int{404}}, admins,
		func(ctx context.Context, in *idIn) (*oneOut, error) {
			n, err := parse(in.ID)
			if err != nil {
				return nil, err
			}
			j, err := c.Retry(ctx, n)
			if err != nil {
				return nil, err
			}
			return &oneOut{Body: decodeArgs([]Job{j})[0]}, nil
		})
	api.Register(s, huma.Operation{OperationID: "cancel-job", Method: http.MethodPost, Path: "/jobs/{id}/cancel", Tags: tags,
		Summary: "Cancel a job that has not finished", Errors: []int{404}}, admins,
		func(ctx context.Context, in *idIn) (*oneOut, error) {
			n, err := parse(in.ID)
			if err != nil {
				return nil, err
			}
			j, err := c.Cancel(ctx, n)
			if err != nil {
				return nil, err
			}
			return &oneOut{Body: decodeArgs([]Job{j})[0]}, nil
		})
}

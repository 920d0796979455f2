package webhook

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/danielgtaylor/huma/v2"
)

// readOnly switches off every write route of a log the dispatcher alone writes.
var readOnly = []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete,
	api.RouteDeleteBy, api.RouteRestore}

func (m *Module) routes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Config]{Table: m.configs, Path: "/webhook-configs", Tag: "Webhooks", Singular: "webhook-config",
		Permission: permission, Validate: m.validate, Create: m.create})
	api.RegisterCRUD(s, api.CRUD[Delivery]{Table: m.deliveries, Path: "/webhook-deliveries", Tag: "Webhooks",
		Singular: "webhook-delivery", Permission: permission, Disable: readOnly})
	api.RegisterCRUD(s, api.CRUD[Attempt]{Table: m.attempts, Path: "/webhook-attempts", Tag: "Webhooks",
		Singular: "webhook-attempt", Permission: permission, Disable: readOnly})
	api.RegisterCRUD(s, api.CRUD[Notice]{Table: m.notes, Path: "/webhook-notifications", Tag: "Webhooks",
		Singular: "webhook-notification", Permission: permission, Disable: readOnly})

	api.Register(s, huma.Operation{OperationID: "rotate-webhook-config-secret", Method: http.MethodPost,
		Path: "/webhook-configs/{id}/rotate-secret", Tags: []string{"Webhooks"},
		Summary:     "Give an endpoint a new signing secret",
		Description: "Returns the new secret once. Messages are signed with the new and the previous secret for a day, so the receiver switches without losing any.",
		Errors:      []int{404}},
		auth.Requirement{Permission: permission + ".write"},
		func(ctx context.Context, in *api.IDParam) (*configOut, error) {
			cid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			c, err := m.RotateSecret(ctx, cid)
			if err != nil {
				return nil, err
			}
			return &configOut{Body: *c}, nil
		})

	api.Register(s, huma.Operation{OperationID: "redeliver-webhook-delivery", Method: http.MethodPost,
		Path: "/webhook-deliveries/{id}/redeliver", Tags: []string{"Webhooks"},
		Summary:     "Send a finished delivery again",
		Description: "Starts the retry schedule again for a SUCCEEDED or FAILED delivery, with the same webhook-id. 409 while it is still on its way or its endpoint is disabled.",
		Errors:      []int{404, 409}},
		auth.Requirement{Permission: permission + ".write"},
		func(ctx context.Context, in *struct {
			api.IDParam
			idempotency.Key
		}) (*idempotency.Response[Delivery], error) {
			did, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			return idempotency.Run(ctx, m.idem, "POST /webhook-deliveries/{id}/redeliver", in.IdempotencyKey, map[string]any{"delivery": did},
				http.StatusAccepted, func(ctx context.Context) (Delivery, error) {
					d, err := m.Redeliver(ctx, did)
					if err != nil {
						return Delivery{}, err
					}
					return *d, nil
				})
		})

	api.Register(s, huma.Operation{OperationID: "list-webhook-event-types", Method: http.MethodGet,
		Path: "/webhook-event-types", Tags: []string{"Webhooks"}, Summary: "The event types an endpoint may receive"},
		auth.Requirement{Permission: permission + ".read"},
		func(context.Context, *struct{}) (*eventTypesOut, error) {
			out := &eventTypesOut{}
			out.Body.EventTypes = EventTypes
			return out, nil
		})
}

type configOut struct {
	Body Config
}

type eventTypesOut struct {
	Body struct {
		EventTypes []string `json:"eventTypes"`
	}
}

// validate checks an endpoint as a client writes it: its URL against the address policy, its
// event types against the known ones; a secret only on create.
func (m *Module) validate(ctx context.Context, c *Config, isNew bool) error {
	c.URL = strings.TrimSpace(c.URL)
	if err := m.opts.Policy.CheckURL(c.URL); err != nil {
		return err
	}
	if c.EventTypes == nil {
		c.EventTypes = []string{}
	}
	for _, t := range c.EventTypes {
		if !slices.Contains(EventTypes, t) {
			return errs.Field("body.eventTypes", "has an unknown event type (see GET /webhook-event-types)", t)
		}
	}
	slices.Sort(c.EventTypes)
	c.EventTypes = slices.Compact(c.EventTypes)
	if !isNew && c.Secret != "" {
		e := errs.Field("body.secret", "is set on create only; POST /webhook-configs/{id}/rotate-secret makes a new one", nil)
		e.Err = ErrSecretShownOnce
		return e
	}
	if isNew && c.Secret != "" {
		if _, err := SecretKey(c.Secret); err != nil {
			return err
		}
	}
	return nil
}

// create stores a new endpoint, enabled, with its secret sealed, and answers the secret once.
func (m *Module) create(ctx context.Context, c *Config) error {
	plain := c.Secret
	if plain == "" {
		plain = NewSecret()
	}
	c.ID = m.ids.Next()
	c.Enabled = true
	c.BreakerState = BreakerClosed
	c.SecretSealed = m.keys.Seal([]byte(plain), secretAAD(c.ID))
	if err := m.configs.Create(ctx, c); err != nil {
		return err
	}
	c.Secret = plain
	return nil
}

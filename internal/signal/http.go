package signal

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

const (
	tag      = "Signal"
	basePath = "/socket/websocket/clients"
)

// Status is GET /status: readiness and how many clients this process holds.
type Status struct {
	Ready   bool   `json:"ready"`
	Clients int    `json:"clients" doc:"Clients connected to the process that answers"`
	Node    string `json:"node" doc:"The process that answers"`
}

// SendRequest is the body of the send and broadcast operations.
type SendRequest struct {
	Topic string          `json:"topic" minLength:"1" maxLength:"100" doc:"What the message is about, for the client to dispatch on"`
	Data  json.RawMessage `json:"data,omitempty" doc:"Any JSON value, delivered as sent"`
}

// Sent is the answer to a send: the room's sequence of the message, when it went to a room.
type Sent struct {
	Room string `json:"room,omitempty"`
	Seq  int64  `json:"seq,omitempty"`
}

type clientPath struct {
	ClientID string `path:"clientId" minLength:"1" maxLength:"64" pattern:"^[0-9a-f]+$" doc:"The id the client got in its welcome"`
}

// routes registers GET /stream and the REST API.
func (m *Module) routes(s *api.Server) {
	s.Mux.HandleFunc("GET "+m.basePath+"/stream", m.serveStream)

	read := auth.Requirement{Permission: PermRead}
	send := auth.Requirement{Permission: PermSend}
	tags := []string{tag}
	type sentOut struct {
		Body Sent
	}
	api.Register(s, huma.Operation{OperationID: "signal-status", Method: http.MethodGet, Path: basePath + "/status", Tags: tags,
		Summary: "Readiness of the WebSocket service and its client count"},
		auth.Requirement{Public: true}, func(ctx context.Context, _ *struct{}) (*struct{ Body Status }, error) {
			return &struct{ Body Status }{Status{Ready: true, Clients: m.reg.count(), Node: m.live.Origin()}}, nil
		})
	api.Register(s, huma.Operation{OperationID: "list-signal-clients", Method: http.MethodGet, Path: basePath, Tags: tags,
		Summary:     "List the connected clients",
		Description: "The clients connected to the process that answers: an admin sees every client, a tenant its organizer's."},
		read, func(ctx context.Context, _ *struct{}) (*struct{ Body []Info }, error) {
			list, err := m.Clients(ctx)
			if err != nil {
				return nil, err
			}
			return &struct{ Body []Info }{list}, nil
		})
	api.Register(s, huma.Operation{OperationID: "broadcast-signal", Method: http.MethodPost, Path: basePath + "/broadcast", Tags: tags,
		Summary: "Send a message to every client", DefaultStatus: http.StatusAccepted,
		Description: "Every client of every process receives it; a tenant's broadcast reaches its own organizer's clients only."},
		send, func(ctx context.Context, in *struct{ Body SendRequest }) (*sentOut, error) {
			if err := validData(in.Body.Data); err != nil {
				return nil, err
			}
			return &sentOut{}, m.Broadcast(ctx, in.Body.Topic, in.Body.Data)
		})
	api.Register(s, huma.Operation{OperationID: "send-signal-room", Method: http.MethodPost, Path: basePath + "/rooms/{roomName}/send",
		Tags: tags, Summary: "Send a message to a room", DefaultStatus: http.StatusAccepted,
		Description: "The room's clients in every process receive it, numbered in the room's sequence (kept for resume). " +
			"A tenant sends to the rooms its clients may join; another tenant's room is a 404."},
		send, func(ctx context.Context, in *struct {
			RoomName string `path:"roomName" minLength:"1" maxLength:"120"`
			Body     SendRequest
		}) (*sentOut, error) {
			if err := validData(in.Body.Data); err != nil {
				return nil, err
			}
			e, err := m.SendToRoom(ctx, in.RoomName, in.Body.Topic, in.Body.Data)
			if err != nil {
				return nil, err
			}
			return &sentOut{Sent{Room: e.Room, Seq: e.Seq}}, nil
		})
	api.Register(s, huma.Operation{OperationID: "send-signal-client", Method: http.MethodPost, Path: basePath + "/{clientId}/send",
		Tags: tags, Summary: "Send a message to one client", DefaultStatus: http.StatusAccepted, Errors: []int{503},
		Description: "Wherever the client is connected. A client that is not connected, or is another tenant's, is a 404."},
		send, func(ctx context.Context, in *struct {
			ClientID string `path:"clientId" minLength:"1" maxLength:"64" pattern:"^[0-9a-f]+$" doc:"The id the client got in its welcome"`
			Body     SendRequest
		}) (*sentOut, error) {
			if err := validData(in.Body.Data); err != nil {
				return nil, err
			}
			return &sentOut{}, m.SendToClient(ctx, in.ClientID, in.Body.Topic, in.Body.Data)
		})
	api.Register(s, huma.Operation{OperationID: "disconnect-signal-client", Method: http.MethodPost, Path: basePath + "/{clientId}/disconnect",
		Tags: tags, Summary: "Disconnect a client", DefaultStatus: http.StatusAccepted, Errors: []int{503},
		Description: "Closes the client's connection with close code 4000, wherever it is connected. A client that is not " +
			"connected, or is another tenant's, is a 404."},
		auth.Requirement{Permission: PermDisconnect}, func(ctx context.Context, in *clientPath) (*sentOut, error) {
			return &sentOut{}, m.Disconnect(ctx, in.ClientID)
		})
}

// validData checks that data is one JSON value (huma leaves a RawMessage as it came).
func validData(data json.RawMessage) error {
	if len(data) > 0 && !json.Valid(data) {
		return errs.Field("body.data", "is not JSON", nil)
	}
	return nil
}

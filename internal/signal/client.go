package signal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/coder/websocket"
)

// client is one connection of this process, after its handshake.
type client struct {
	id        string
	ws        *websocket.Conn
	session   *Session
	connected time.Time
	remote    string
	// queue holds what fan-out gave the client and its writer has not sent yet; when it is
	// full the client is dropped (CloseTooSlow), so that no sender ever waits for it.
	queue chan *Entry
	// ctx ends when the client is kicked: a write in progress is abandoned (a client too slow to
	// take it loses the connection at once).
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex // the principal and the rooms; the session's sending side; writes
	principal *auth.Principal
	expires   time.Time
	rooms     map[string]int64 // joined rooms and the last sequence the client got of each

	closeOnce sync.Once
	code      websocket.StatusCode
	reason    string
}

func newClientID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// kick asks the connection to close with code and reason; the first call wins. It never
// blocks: the connection's own goroutines close it.
func (c *client) kick(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		c.cancel()
	})
}

// enqueue hands e to the client's writer without waiting; a full queue drops the client.
func (c *client) enqueue(e *Entry) {
	select {
	case <-c.ctx.Done():
	case c.queue <- e:
	default:
		c.kick(CloseTooSlow, "too slow: the client fell behind")
	}
}

// send seals one message and writes it; callers hold c.mu (sequence order is write order).
func (c *client) send(ctx context.Context, timeout time.Duration, m Outbound) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.sendRaw(ctx, timeout, raw)
}

func (c *client) sendRaw(ctx context.Context, timeout time.Duration, plaintext []byte) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.ws.Write(wctx, websocket.MessageBinary, c.session.Seal(plaintext))
}

// Info is what the REST API tells of a client.
type Info struct {
	ID          string    `json:"id"`
	UserID      id.ID     `json:"userId"`
	Kind        string    `json:"kind" doc:"How the client signed in: user, pin or device"`
	OrganizerID id.ID     `json:"organizerId,omitempty"`
	MerchantIDs []id.ID   `json:"merchantIds"`
	Rooms       []string  `json:"rooms"`
	ConnectedAt time.Time `json:"connectedAt"`
	ExpiresAt   time.Time `json:"expiresAt" doc:"When the client's token expires: the connection is closed then"`
	Node        string    `json:"node" doc:"The process the client is connected to"`
}

func (c *client) info(node string) Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := Info{ID: c.id, UserID: c.principal.UserID, Kind: c.principal.Kind, OrganizerID: c.principal.OrganizerID,
		MerchantIDs: slices.Clone(c.principal.MerchantIDs), ConnectedAt: c.connected, ExpiresAt: c.expires, Node: node,
		Rooms: make([]string, 0, len(c.rooms))}
	if in.MerchantIDs == nil {
		in.MerchantIDs = []id.ID{}
	}
	for r := range c.rooms {
		in.Rooms = append(in.Rooms, r)
	}
	slices.Sort(in.Rooms)
	return in
}

// visibleTo reports whether a caller with scope sees the client: admins see every client, a
// tenant its organizer's.
func (c *client) visibleTo(sc auth.Scope) bool {
	if sc.All {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !sc.None && c.principal.OrganizerID != 0 && c.principal.OrganizerID == sc.OrganizerID
}

// registry is this process's clients and the rooms they joined.
type registry struct {
	mu      sync.RWMutex
	clients map[string]*client
	rooms   map[string]map[*client]struct{}
}

func newRegistry() *registry {
	return &registry{clients: map[string]*client{}, rooms: map[string]map[*client]struct{}{}}
}

func (r *registry) add(c *client) {
	r.mu.Lock()
	r.clients[c.id] = c
	r.mu.Unlock()
}

func (r *registry) remove(c *client) {
	c.mu.Lock()
	rooms := make([]string, 0, len(c.rooms))
	for room := range c.rooms {
		rooms = append(rooms, room)
	}
	c.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, c.id)
	for _, room := range rooms {
		r.leaveLocked(c, room)
	}
}

func (r *registry) join(c *client, room string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.rooms[room]
	if set == nil {
		set = map[*client]struct{}{}
		r.rooms[room] = set
	}
	set[c] = struct{}{}
}

func (r *registry) leave(c *client, room string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leaveLocked(c, room)
}

func (r *registry) leaveLocked(c *client, room string) {
	if set := r.rooms[room]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(r.rooms, room)
		}
	}
}

func (r *registry) get(id string) *client {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.clients[id]
}

func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.clients)
}

func (r *registry) all() []*client {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*client, 0, len(r.clients))
	for _, c := range r.clients {
		out = append(out, c)
	}
	return out
}

// toRoom hands e to every client of its room, without waiting for any.
func (r *registry) toRoom(e *Entry) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for c := range r.rooms[e.Room] {
		c.enqueue(e)
	}
}

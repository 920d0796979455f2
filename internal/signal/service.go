package signal

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/realtime"
	"github.com/redis/go-redis/v9"
)

// Topics of the realtime hub (internal/platform/realtime) that signal publishes and listens
// to: every process's signal module receives them, from this process or through Redis.
const (
	hubRoom   = "signal.room"   // an Entry, numbered: to the room's clients
	hubAll    = "signal.all"    // a direct: to every client (of one organizer, when set)
	hubClient = "signal.client" // a direct: to one client (of one organizer, when set)
	hubKick   = "signal.kick"   // a direct without data: disconnect one client
	saleTopic = "merchant."     // sale's order and kitchen topics
)

// direct is a message to clients that is not in a room: a broadcast or one client's.
type direct struct {
	ClientID    string          `json:"clientId,omitempty"`
	OrganizerID id.ID           `json:"organizerId,omitempty"` // the sender's tenant; 0 for an admin
	Topic       string          `json:"topic,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	At          time.Time       `json:"at"`
}

// subscribe listens to the hub: signal's own topics, and sale's order and kitchen changes
// published in this process, which it numbers into rooms (each change is numbered once, by
// the process where it happened, and reaches the others as a room message).
func (m *Module) subscribe() {
	m.live.Subscribe("signal.", m.received)
	m.live.Subscribe(saleTopic, func(msg realtime.Message) {
		if msg.Origin == m.live.Origin() {
			m.relay.push(msg)
		}
	})
}

// received fans a hub message out to this process's clients. It must not block: it only
// queues (client.enqueue).
func (m *Module) received(msg realtime.Message) {
	switch msg.Topic {
	case hubRoom:
		var e Entry
		if err := json.Unmarshal(msg.Payload, &e); err != nil || e.Room == "" {
			return
		}
		e.raw, _ = json.Marshal(e.outbound())
		m.reg.toRoom(&e)
	case hubAll, hubClient, hubKick:
		var d direct
		if err := json.Unmarshal(msg.Payload, &d); err != nil {
			return
		}
		e := &Entry{Topic: d.Topic, Data: d.Data, At: d.At, organizer: d.OrganizerID}
		if msg.Topic == hubAll {
			e.raw, _ = json.Marshal(e.outbound())
			for _, c := range m.reg.all() {
				c.enqueue(e)
			}
			return
		}
		c := m.reg.get(d.ClientID)
		if c == nil || !e.forClient(c.currentPrincipal()) {
			return
		}
		if msg.Topic == hubKick {
			c.kick(CloseDisconnected, "disconnected by an operator")
			return
		}
		e.raw, _ = json.Marshal(e.outbound())
		c.enqueue(e)
	}
}

func (c *client) currentPrincipal() *auth.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.principal
}

// forClient reports whether a direct message reaches a client of principal p: a tenant's
// message reaches its own organizer's clients only.
func (e *Entry) forClient(p *auth.Principal) bool {
	return e.organizer == 0 || p.OrganizerID == e.organizer
}

func (e *Entry) plaintext() []byte {
	if e.raw == nil {
		e.raw, _ = json.Marshal(e.outbound())
	}
	return e.raw
}

// relayQueue numbers sale's changes in the order they happened, off the hub's goroutine:
// numbering may wait for Redis, and a hub subscriber must not block.
type relayQueue struct {
	m       *Module
	mu      sync.Mutex
	pending []realtime.Message
	running bool
}

func (q *relayQueue) push(msg realtime.Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) >= 10000 {
		q.m.log.Warn("signal: relay queue full; dropping a realtime change", "topic", msg.Topic)
		return
	}
	q.pending = append(q.pending, msg)
	if !q.running {
		q.running = true
		go q.drain()
	}
}

func (q *relayQueue) drain() {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		msg := q.pending[0]
		q.pending = q.pending[1:]
		q.mu.Unlock()
		q.m.relaySale(msg)
	}
}

// relaySale turns one of sale's changes into room messages: an order's change goes to its
// merchant's room and to the order's own room; a kitchen ticket to its station's room.
func (m *Module) relaySale(msg realtime.Message) {
	ctx := context.Background()
	parts := strings.Split(msg.Topic, ".")
	if len(parts) < 3 {
		return
	}
	merchant, err := id.Parse(parts[1])
	if err != nil {
		return
	}
	switch {
	case len(parts) == 3 && parts[2] == "orders":
		var ev struct {
			OrderID id.ID `json:"orderId"`
		}
		_ = json.Unmarshal(msg.Payload, &ev)
		m.publish(ctx, merchantRoom(merchant), TopicOrder, msg.Payload)
		if ev.OrderID != 0 {
			m.publish(ctx, orderRoom(merchant, ev.OrderID), TopicOrder, msg.Payload)
		}
	case len(parts) == 4 && parts[2] == "kitchen":
		m.publish(ctx, stationRoom(merchant, parts[3]), TopicTicket, msg.Payload)
	}
}

// publish numbers a room message and fans it out to every process. When the history cannot
// number it (Redis down), the message is still delivered, unnumbered: realtime is best effort.
func (m *Module) publish(ctx context.Context, room, topic string, data json.RawMessage) Entry {
	e := Entry{Room: room, Topic: topic, Data: data, At: m.clock.Now()}
	if err := m.history.Append(ctx, &e); err != nil {
		m.log.WarnContext(ctx, "signal: message not numbered", "room", room, "error", err)
	}
	m.live.Broadcast(ctx, hubRoom, e)
	return e
}

// Broadcast sends a message to every client of every process; a tenant's broadcast reaches
// its own organizer's clients only.
func (m *Module) Broadcast(ctx context.Context, topic string, data json.RawMessage) error {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return err
	}
	d := direct{Topic: topic, Data: data, At: m.clock.Now()}
	if !sc.All {
		d.OrganizerID = sc.OrganizerID
	}
	m.live.Broadcast(ctx, hubAll, d)
	return nil
}

// SendToRoom sends a message to a room the caller could join, and returns its sequence.
func (m *Module) SendToRoom(ctx context.Context, room, topic string, data json.RawMessage) (Entry, error) {
	r, err := ParseRoom(room)
	if err != nil {
		return Entry{}, errs.Field("path.roomName", err.Error(), room)
	}
	p := auth.From(ctx)
	if p == nil {
		return Entry{}, auth.ErrNoPrincipal
	}
	if err := m.mayJoin(ctx, p, r); err != nil {
		return Entry{}, errs.Wrap(errs.NotFound, "no room "+room+" of yours", errs.ErrNotFound)
	}
	return m.publish(ctx, r.Name, topic, data), nil
}

// ErrNoClient is the answer for a client that is not connected, or is another tenant's.
var ErrNoClient = errs.Wrap(errs.NotFound, "no such client connected", errs.ErrNotFound)

// SendToClient sends a message to one client, wherever it is connected.
func (m *Module) SendToClient(ctx context.Context, clientID, topic string, data json.RawMessage) error {
	d, err := m.toClient(ctx, clientID)
	if err != nil {
		return err
	}
	d.Topic, d.Data = topic, data
	m.live.Broadcast(ctx, hubClient, d)
	return nil
}

// Disconnect closes one client's connection, wherever it is connected (close code 4000).
func (m *Module) Disconnect(ctx context.Context, clientID string) error {
	d, err := m.toClient(ctx, clientID)
	if err != nil {
		return err
	}
	m.live.Broadcast(ctx, hubKick, d)
	return nil
}

// toClient finds a client the caller may reach, here or (with Redis) in another process.
func (m *Module) toClient(ctx context.Context, clientID string) (direct, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return direct{}, err
	}
	d := direct{ClientID: clientID, At: m.clock.Now()}
	if !sc.All {
		d.OrganizerID = sc.OrganizerID
	}
	if c := m.reg.get(clientID); c != nil {
		if !c.visibleTo(sc) {
			return direct{}, ErrNoClient
		}
		return d, nil
	}
	org, ok, err := m.dir.lookup(ctx, clientID)
	if err != nil {
		return direct{}, err
	}
	if !ok || (!sc.All && (org == 0 || org != sc.OrganizerID)) {
		return direct{}, ErrNoClient
	}
	return d, nil
}

// Clients lists the clients connected to this process that the caller sees.
func (m *Module) Clients(ctx context.Context) ([]Info, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return nil, err
	}
	out := []Info{}
	for _, c := range m.reg.all() {
		if c.visibleTo(sc) {
			out = append(out, c.info(m.live.Origin()))
		}
	}
	return out, nil
}

// directory tells which organizer a client of another process belongs to (Redis: a key per
// client that lives while the client's heartbeat refreshes it). Without Redis every client is
// in this process.
type directory struct {
	rdb redis.UniversalClient
	ttl time.Duration
}

func clientKey(id string) string { return "bana:signal:client:" + id }

func (d directory) put(ctx context.Context, c *client) {
	if d.rdb == nil {
		return
	}
	_ = d.rdb.Set(ctx, clientKey(c.id), c.currentPrincipal().OrganizerID.String(), d.ttl).Err()
}

func (d directory) drop(ctx context.Context, c *client) {
	if d.rdb == nil {
		return
	}
	_ = d.rdb.Del(ctx, clientKey(c.id)).Err()
}

func (d directory) lookup(ctx context.Context, clientID string) (id.ID, bool, error) {
	if d.rdb == nil || len(clientID) > 64 {
		return 0, false, nil
	}
	v, err := d.rdb.Get(ctx, clientKey(clientID)).Result()
	if err == redis.Nil {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, errs.Wrap(errs.Unavailable, "the client directory cannot be read now", err)
	}
	org, _ := id.Parse(v)
	return org, true, nil
}

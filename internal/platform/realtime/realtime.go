// Package realtime fans ephemeral messages out to every BANA process: kitchen tickets, order
// changes, WebSocket broadcasts. In one process it is a local hub; with Redis configured
// (APP_ENV_PUBSUB_*), messages cross processes over Redis Pub/Sub. It never carries a money
// effect: a message can be lost, and when Redis is down delivery degrades to this process.
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Message is one fan-out message.
type Message struct {
	Topic   string          `json:"topic"`
	Payload json.RawMessage `json:"payload"`
	Origin  string          `json:"origin"`
	At      time.Time       `json:"at"`
}

// Channel is the Redis channel BANA publishes on.
const Channel = "bana:realtime"

// Hub delivers messages to local subscribers and, when Redis is set, to other processes.
type Hub struct {
	origin string
	log    *slog.Logger
	pub    redis.UniversalClient
	sub    redis.UniversalClient

	mu     sync.RWMutex
	nextID int
	subs   map[int]subscription
	warned time.Time
}

type subscription struct {
	prefix string
	fn     func(Message)
}

// New returns a hub. pub and sub may be nil (local only); they may be the same client, a
// single Redis or a cluster (redis.UniversalClient).
func New(log *slog.Logger, pub, sub redis.UniversalClient) *Hub {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Hub{origin: hex.EncodeToString(b), log: log, pub: pub, sub: sub, subs: map[int]subscription{}}
}

// Origin identifies this process.
func (h *Hub) Origin() string { return h.origin }

// Subscribe calls fn for every message whose topic starts with prefix ("" for all), until the
// returned cancel is called. fn must not block.
func (h *Hub) Subscribe(prefix string, fn func(Message)) (cancel func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	n := h.nextID
	h.subs[n] = subscription{prefix: prefix, fn: fn}
	return func() {
		h.mu.Lock()
		delete(h.subs, n)
		h.mu.Unlock()
	}
}

func (h *Hub) deliver(m Message) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, s := range h.subs {
		if strings.HasPrefix(m.Topic, s.prefix) {
			s.fn(m)
		}
	}
}

// Broadcast sends payload on topic to every process. Local subscribers get it at once; Redis
// carries it to the others. A Redis failure is logged (at most once a minute) and not returned:
// realtime is best effort by design.
func (h *Hub) Broadcast(ctx context.Context, topic string, payload any) {
	raw, err := json.Marshal(payload)
	if err != nil {
		h.log.Error("realtime: cannot encode payload", "topic", topic, "error", err)
		return
	}
	m := Message{Topic: topic, Payload: raw, Origin: h.origin, At: time.Now().UTC()}
	h.deliver(m)
	if h.pub == nil {
		return
	}
	env, _ := json.Marshal(m)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	if err := h.pub.Publish(pctx, Channel, env).Err(); err != nil {
		h.warn("realtime: Redis publish failed; delivered to this process only", err)
	}
}

func (h *Hub) warn(msg string, err error) {
	h.mu.Lock()
	quiet := time.Since(h.warned) < time.Minute
	if !quiet {
		h.warned = time.Now()
	}
	h.mu.Unlock()
	if !quiet {
		h.log.Warn(msg, "error", err)
	}
}

// Run receives messages of other processes from Redis until ctx ends, reconnecting when Redis
// comes back. It returns at once when no Redis is configured.
func (h *Hub) Run(ctx context.Context) {
	if h.sub == nil {
		return
	}
	for ctx.Err() == nil {
		ps := h.sub.Subscribe(ctx, Channel)
		if _, err := ps.Receive(ctx); err != nil {
			ps.Close()
			h.warn("realtime: Redis subscribe failed; retrying", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		// go-redis reconnects the subscription by itself when Redis comes back.
		ch := ps.Channel()
	recv:
		for {
			select {
			case <-ctx.Done():
				break recv
			case msg, ok := <-ch:
				if !ok {
					break recv
				}
				var m Message
				if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil || m.Origin == h.origin {
					continue
				}
				h.deliver(m)
			}
		}
		ps.Close()
	}
}

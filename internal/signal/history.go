package signal

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/redis/go-redis/v9"
)

// Entry is one message of a room, numbered by the room's sequence.
type Entry struct {
	Room  string          `json:"room"`
	Seq   int64           `json:"seq"`
	Topic string          `json:"topic"`
	Data  json.RawMessage `json:"data"`
	At    time.Time       `json:"at"`

	organizer id.ID  // a direct message of a tenant: its organizer's clients only
	raw       []byte // the message's plaintext, encoded once for every client
}

// History numbers each room's messages and keeps the last few of each, so that a client that
// reconnects gets what it missed. Sequences are per room and shared by every process: in
// Redis when configured, in this process otherwise.
type History interface {
	// Append numbers e in its room (e.Seq is set) and keeps it.
	Append(ctx context.Context, e *Entry) error
	// Since returns the kept entries of room after seq, oldest first, the room's current
	// sequence, and whether the entries are complete (false: some after seq are no longer kept).
	Since(ctx context.Context, room string, seq int64) (entries []Entry, current int64, complete bool, err error)
}

// memHistory is the history of one process (the embedded default): a ring of the last size
// entries per room; a room without a message for ttl is forgotten.
type memHistory struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	rooms   map[string]*memRoom
	appends int
}

type memRoom struct {
	seq     int64
	entries []Entry // oldest first, at most size
	last    time.Time
}

func newMemHistory(size int, ttl time.Duration, now func() time.Time) *memHistory {
	return &memHistory{size: size, ttl: ttl, now: now, rooms: map[string]*memRoom{}}
}

func (h *memHistory) Append(_ context.Context, e *Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	h.appends++
	if h.appends%1024 == 0 {
		for name, r := range h.rooms {
			if now.Sub(r.last) > h.ttl {
				delete(h.rooms, name)
			}
		}
	}
	r := h.rooms[e.Room]
	if r == nil {
		r = &memRoom{}
		h.rooms[e.Room] = r
	}
	r.seq++
	r.last = now
	e.Seq = r.seq
	if len(r.entries) == h.size {
		copy(r.entries, r.entries[1:])
		r.entries = r.entries[:h.size-1]
	}
	r.entries = append(r.entries, *e)
	return nil
}

func (h *memHistory) Since(_ context.Context, room string, seq int64) ([]Entry, int64, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return nil, 0, seq == 0, nil
	}
	return since(r.entries, r.seq, seq)
}

// since picks the entries after seq of a room's kept entries (oldest first).
func since(kept []Entry, current, seq int64) ([]Entry, int64, bool, error) {
	if seq > current {
		return nil, current, false, nil // the client saw more than exists: the history was lost
	}
	var out []Entry
	for _, e := range kept {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	complete := seq == current || (len(out) > 0 && out[0].Seq == seq+1)
	return out, current, complete, nil
}

// redisHistory keeps the sequences and entries in Redis, shared by every process: per room a
// counter and a list of the last size entries (newest first), both expiring after ttl. The two
// keys of a room share a hash tag, so the script that appends runs on one node of a cluster.
type redisHistory struct {
	rdb  redis.UniversalClient
	size int
	ttl  time.Duration
}

func seqKey(room string) string { return "bana:signal:{" + room + "}:seq" }
func logKey(room string) string { return "bana:signal:{" + room + "}:log" }

// appendScript numbers the entry (ARGV[1], JSON with "seq":0 as its first field) and keeps it.
var appendScript = redis.NewScript(`
local seq = redis.call('INCR', KEYS[1])
local entry = string.gsub(ARGV[1], '"seq":0', '"seq":' .. seq, 1)
redis.call('LPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return seq`)

func (h *redisHistory) Append(ctx context.Context, e *Entry) error {
	e.Seq = 0
	raw, err := json.Marshal(struct {
		Seq int64 `json:"seq"`
		*Entry
	}{0, e})
	if err != nil {
		return err
	}
	seq, err := appendScript.Run(ctx, h.rdb, []string{seqKey(e.Room), logKey(e.Room)}, raw, h.size, h.ttl.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("signal: numbering a message of %s: %w", e.Room, err)
	}
	e.Seq = seq
	return nil
}

func (h *redisHistory) Since(ctx context.Context, room string, seq int64) ([]Entry, int64, bool, error) {
	var cur *redis.StringCmd
	var list *redis.StringSliceCmd
	_, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cur = p.Get(ctx, seqKey(room))
		list = p.LRange(ctx, logKey(room), 0, -1)
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, 0, false, fmt.Errorf("signal: reading the history of %s: %w", room, err)
	}
	current, _ := cur.Int64()
	raw := list.Val()
	kept := make([]Entry, 0, len(raw))
	for i := len(raw) - 1; i >= 0; i-- {
		var e Entry
		if json.Unmarshal([]byte(raw[i]), &e) == nil {
			kept = append(kept, e)
		}
	}
	if current == 0 {
		return nil, 0, seq == 0, nil
	}
	return since(kept, current, seq)
}

package realtime

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

type recorder struct {
	ch chan Message
}

func newRecorder() *recorder { return &recorder{ch: make(chan Message, 100)} }

func (r *recorder) add(m Message) { r.ch <- m }

func (r *recorder) next(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	return Message{}
}

func TestLocalDelivery(t *testing.T) {
	h := New(slog.Default(), nil, nil)
	kitchen, all := newRecorder(), newRecorder()
	cancel := h.Subscribe("merchant.1.kitchen.", kitchen.add)
	h.Subscribe("", all.add)
	h.Broadcast(context.Background(), "merchant.1.kitchen.BAR", map[string]string{"ticket": "7"})
	h.Broadcast(context.Background(), "merchant.1.orders", map[string]string{"order": "9"})
	if m := kitchen.next(t); m.Topic != "merchant.1.kitchen.BAR" || string(m.Payload) != `{"ticket":"7"}` {
		t.Fatalf("kitchen got %+v", m)
	}
	all.next(t)
	all.next(t)
	cancel()
	h.Broadcast(context.Background(), "merchant.1.kitchen.BAR", 1)
	select {
	case m := <-kitchen.ch:
		t.Fatalf("cancelled subscriber got %+v", m)
	default:
	}
}

func redisURL(t *testing.T) *redis.Options {
	u := os.Getenv("BANA_TEST_REDIS_URL")
	if u == "" {
		t.Skip("BANA_TEST_REDIS_URL not set")
	}
	o, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAcrossProcessesOverRedis(t *testing.T) {
	o := redisURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := New(slog.Default(), redis.NewClient(o), redis.NewClient(o))
	b := New(slog.Default(), redis.NewClient(o), redis.NewClient(o))
	ra, rb := newRecorder(), newRecorder()
	a.Subscribe("", ra.add)
	b.Subscribe("", rb.add)
	go a.Run(ctx)
	go b.Run(ctx)
	// Wait until b's subscription is live: Redis reports one subscriber per hub.
	probe := redis.NewClient(o)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, _ := probe.PubSubNumSub(ctx, Channel).Result()
		if n[Channel] >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("subscriptions not live")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.Broadcast(ctx, "merchant.5.orders", map[string]int{"n": 1})
	if m := ra.next(t); m.Origin != a.Origin() {
		t.Fatalf("local copy: %+v", m)
	}
	if m := rb.next(t); m.Topic != "merchant.5.orders" || m.Origin != a.Origin() {
		t.Fatalf("remote copy: %+v", m)
	}
	// a must not receive its own message twice.
	select {
	case m := <-ra.ch:
		t.Fatalf("echo: %+v", m)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestRedisDownDegradesToLocal(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	h := New(log, dead, dead)
	r := newRecorder()
	h.Subscribe("", r.add)
	start := time.Now()
	h.Broadcast(context.Background(), "t", 1)
	if time.Since(start) > 2*time.Second {
		t.Fatal("broadcast blocked on a dead Redis")
	}
	r.next(t)
	if !strings.Contains(logs.String(), "delivered to this process only") {
		t.Fatalf("no warning logged: %s", logs.String())
	}
}

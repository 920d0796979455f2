package app

import (
	"fmt"
	"time"

	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/signal"
	"github.com/redis/go-redis/v9"
)

// signalWiring holds the signal module.
type signalWiring struct {
	Signal *signal.Module
}

// buildSignal builds the WebSocket service over the realtime hub; with Redis configured
// (APP_ENV_PUBSUB_* or, in cluster mode, APP_ENV_WEBSOCKET_REDIS_NODES) the rooms' sequences,
// histories and the client directory are kept there, shared by every process.
func (a *App) buildSignal() (module.Module, error) {
	c := a.Cfg
	if c.Websocket.RedisMode == "cluster" && len(c.Websocket.RedisNodes) == 0 {
		return nil, fmt.Errorf("APP_ENV_WEBSOCKET_REDIS_MODE=cluster needs APP_ENV_WEBSOCKET_REDIS_NODES (host:port, comma separated)")
	}
	rdb, _ := pubSubClients(c)
	m := signal.New(signal.Deps{Platform: a.Platform(), Redis: rdb, Config: signal.Config{
		Heartbeat: c.Websocket.Heartbeat, SendBuffer: c.Websocket.SendBuffer, HistorySize: c.Websocket.HistorySize,
		HistoryTTL: c.Websocket.HistoryTTL, Origins: c.Server.CORSOrigins}})
	a.Signal = m
	return m, nil
}

// pubSubClients are the Redis clients of the realtime fan-out (publisher, subscriber): the
// APP_ENV_PUBSUB_*_REDIS_* endpoints, or the cluster of APP_ENV_WEBSOCKET_REDIS_NODES when
// APP_ENV_WEBSOCKET_REDIS_MODE is cluster; nil, nil without Redis (in-process fan-out).
func pubSubClients(c *config.Config) (pub, sub redis.UniversalClient) {
	if c.Websocket.RedisMode == "cluster" && len(c.Websocket.RedisNodes) > 0 {
		cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Websocket.RedisNodes, Password: c.Redis.PubSubPublisher.Password,
			DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
		return cl, cl
	}
	if p := redisClient(c.Redis.PubSubPublisher); p != nil {
		pub = p
	}
	if s := redisClient(c.Redis.PubSubSubscriber); s != nil {
		sub = s
	}
	return pub, sub
}

package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/redis/go-redis/v9"
)

// Limit is a number of attempts in a fixed window that starts at the first attempt.
type Limit struct {
	Max    int
	Window time.Duration
}

// Sign-in limits. A locked identifier or address waits for the end of its window.
var (
	IdentifierLimit = Limit{Max: 5, Window: 15 * time.Minute}  // per identifier, any address
	AddressLimit    = Limit{Max: 30, Window: 15 * time.Minute} // per client address, any identifier
	PINLimit        = Limit{Max: 5, Window: 15 * time.Minute}  // per employee and merchant
	PINCallerLimit  = Limit{Max: 20, Window: 15 * time.Minute} // per terminal session or address
)

// Decision is the answer of a limiter.
type Decision struct {
	Allowed    bool
	Count      int
	RetryAfter time.Duration
}

// Limiter counts attempts per key. Take counts one and says whether it is within the limit;
// Give returns one (a success should not use up an address's allowance); Clear forgets the key.
// Counting the attempt before it is made, in one atomic step, means parallel guesses cannot slip
// past the limit.
type Limiter interface {
	Take(ctx context.Context, key string, l Limit) (Decision, error)
	Give(ctx context.Context, key string) error
	Clear(ctx context.Context, key string) error
}

// throttleKey makes a bounded key that does not store the identifier or address in clear.
func throttleKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return parts[0] + ":" + hex.EncodeToString(h[:16])
}

// dbLimiter keeps counters in sign_in_throttles, one conditional upsert per attempt.
type dbLimiter struct {
	db  *db.DB
	now func() time.Time
}

func (l *dbLimiter) Take(ctx context.Context, key string, lim Limit) (Decision, error) {
	now := l.now().UnixMilli()
	end := now + lim.Window.Milliseconds()
	var hits int
	var windowEnd int64
	err := l.db.Raw(ctx, true).QueryRowContext(ctx, l.db.Rebind(`INSERT INTO sign_in_throttles (bucket, hits, window_ends_at)
		VALUES (?, 1, ?)
		ON CONFLICT (bucket) DO UPDATE SET
			hits = CASE WHEN sign_in_throttles.window_ends_at <= ? THEN 1 ELSE sign_in_throttles.hits + 1 END,
			window_ends_at = CASE WHEN sign_in_throttles.window_ends_at <= ? THEN excluded.window_ends_at ELSE sign_in_throttles.window_ends_at END
		RETURNING hits, window_ends_at`), key, end, now, now).Scan(&hits, &windowEnd)
	if err != nil {
		return Decision{}, db.Classify(err)
	}
	return decide(hits, lim, time.Duration(windowEnd-now)*time.Millisecond), nil
}

func (l *dbLimiter) Give(ctx context.Context, key string) error {
	_, err := l.db.Raw(ctx, true).ExecContext(ctx, l.db.Rebind(
		"UPDATE sign_in_throttles SET hits = hits - 1 WHERE bucket = ? AND hits > 0"), key)
	return db.Classify(err)
}

func (l *dbLimiter) Clear(ctx context.Context, key string) error {
	_, err := l.db.Raw(ctx, true).ExecContext(ctx, l.db.Rebind("DELETE FROM sign_in_throttles WHERE bucket = ?"), key)
	return db.Classify(err)
}

func decide(hits int, l Limit, left time.Duration) Decision {
	d := Decision{Allowed: hits <= l.Max, Count: hits}
	if !d.Allowed {
		d.RetryAfter = max(left, time.Second)
	}
	return d
}

// takeScript increments a counter and starts its window on the first hit, atomically.
var takeScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

var giveScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`)

// redisLimiter keeps counters in Redis (APP_ENV_CACHE_REDIS_*), which every process shares.
// When Redis fails, it falls back to the database, says so in the log, and leaves Redis alone
// for 30 seconds, so that sign-ins do not each wait for a dead server's dial timeouts.
type redisLimiter struct {
	rdb      *redis.Client
	prefix   string
	fallback Limiter
	log      *slog.Logger

	mu        sync.Mutex
	downUntil time.Time
}

// redisPause is how long a failed Redis is left alone.
const redisPause = 30 * time.Second

func (l *redisLimiter) up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().After(l.downUntil)
}

func (l *redisLimiter) failed(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Now().After(l.downUntil) {
		l.log.Warn("identity: Redis is unreachable; sign-in throttling falls back to the database", "error", err, "retry_in", redisPause)
	}
	l.downUntil = time.Now().Add(redisPause)
}

func (l *redisLimiter) Take(ctx context.Context, key string, lim Limit) (Decision, error) {
	if l.up() {
		res, err := takeScript.Run(ctx, l.rdb, []string{l.prefix + key}, lim.Window.Milliseconds()).Int64Slice()
		if err == nil && len(res) == 2 {
			return decide(int(res[0]), lim, time.Duration(res[1])*time.Millisecond), nil
		}
		l.failed(err)
	}
	return l.fallback.Take(ctx, key, lim)
}

func (l *redisLimiter) Give(ctx context.Context, key string) error {
	if l.up() {
		err := giveScript.Run(ctx, l.rdb, []string{l.prefix + key}).Err()
		if err == nil {
			return nil
		}
		l.failed(err)
	}
	return l.fallback.Give(ctx, key)
}

func (l *redisLimiter) Clear(ctx context.Context, key string) error {
	if l.up() {
		err := l.rdb.Del(ctx, l.prefix+key).Err()
		if err == nil {
			return nil
		}
		l.failed(err)
	}
	return l.fallback.Clear(ctx, key)
}

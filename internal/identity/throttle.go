package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/redis/go-redis/v9"
)

// Limit is a number of attempts in a fixed window that starts at the first attempt.
type Limit struct {
	Max    int
	Window time.Duration
}

// Sign-in limits (docs/decisions/0006-sign-in-lockout.md). Every password check counts against
// them, whether it comes from POST /auth/sign-in or HTTP Basic on any route. A limit that trips
// holds until the end of its window.
var (
	// PairLimit is the guesser's lockout: attempts at one identifier from one client address. It
	// locks that address out of that account, not the account's owner elsewhere.
	PairLimit = Limit{Max: 5, Window: 15 * time.Minute}
	// AddressLimit is attempts from one client address at any identifiers: one address cannot
	// spray a password across accounts.
	AddressLimit = Limit{Max: 30, Window: 15 * time.Minute}
	// IdentifierLimit is attempts at one identifier from all addresses: guesses from many
	// addresses at once. Past it the account is not locked: an address gets only its first
	// attempt at it in its pair window, so the owner signing in from an address that has not been
	// failing gets in, and each address of a distributed guesser gets one guess, not five.
	IdentifierLimit = Limit{Max: 20, Window: 15 * time.Minute}
	// PasswordChangeLimit is attempts at the current password per user (the caller is signed in).
	PasswordChangeLimit = Limit{Max: 5, Window: 15 * time.Minute}
	PINLimit            = Limit{Max: 5, Window: 15 * time.Minute}  // per employee and merchant
	PINCallerLimit      = Limit{Max: 20, Window: 15 * time.Minute} // per terminal session or address
)

// Decision is the answer of a limiter.
type Decision struct {
	Allowed    bool
	Count      int           // attempts in the window, this one included
	Left       time.Duration // until the window ends
	RetryAfter time.Duration // when not allowed: how long to wait (at least a second)
}

// Window is a key's count as it stands: attempts in its current window (0 when it has none) and
// the time until that window ends.
type Window struct {
	Hits int
	Left time.Duration
}

// Limiter counts attempts per key. Take counts one and says whether it is within the limit;
// Give returns one (a success should not use up an address's allowance); Clear forgets the key;
// Peek reads keys' counts without counting. Counting the attempt before it is made, in one
// atomic step, means parallel guesses cannot slip past the limit.
type Limiter interface {
	Take(ctx context.Context, key string, l Limit) (Decision, error)
	Give(ctx context.Context, key string) error
	Clear(ctx context.Context, key string) error
	Peek(ctx context.Context, keys ...string) ([]Window, error)
}

// Throttle buckets: what a counter counts, the first part of its key (and so of its row in
// sign_in_throttles or its Redis key).
const (
	bucketSignInIdentifier = "signin-id"   // sign-in attempts per identifier
	bucketSignInPair       = "signin-pair" // sign-in attempts per identifier and client address
	bucketSignInAddress    = "signin-ip"   // sign-in attempts per client address
	bucketPasswordChange   = "chpw"        // password changes per user
	bucketPIN              = "pin"         // PINs per employee and merchant
	bucketPINCaller        = "pin-caller"  // wrong PINs per terminal session
)

// throttleKey makes a bounded key that does not store the identifier or address in clear.
func throttleKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return parts[0] + ":" + hex.EncodeToString(h[:16])
}

func decide(hits int, l Limit, left time.Duration) Decision {
	d := Decision{Allowed: hits <= l.Max, Count: hits, Left: left}
	if !d.Allowed {
		d.RetryAfter = max(left, time.Second)
	}
	return d
}

// takeScript counts an attempt in a hash {n: hits, e: end of the window in Unix milliseconds}:
// a window that ended by now (ARGV[1], the module's clock, as the database limiter reads it)
// starts again at 1. The key expires with its window. A key of another type (a counter of an
// older version) is replaced.
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then redis.call('DEL', KEYS[1]) end
local n = 1
local e = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
if e <= now then
  e = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'n', 1, 'e', e)
else
  n = redis.call('HINCRBY', KEYS[1], 'n', 1)
end
redis.call('PEXPIRE', KEYS[1], e - now)
return {n, e - now}
`)

var giveScript = redis.NewScript(`
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n > 0 then redis.call('HINCRBY', KEYS[1], 'n', -1) end
return 0
`)

// peekScript returns, for each key, its hits and the milliseconds left in its window, or 0 and
// 0 when its window ended by now (ARGV[1]).
var peekScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local out = {}
for i, k in ipairs(KEYS) do
  local n, e = 0, 0
  if redis.call('TYPE', k).ok == 'hash' then
    e = tonumber(redis.call('HGET', k, 'e') or '0')
    if e > now then n = tonumber(redis.call('HGET', k, 'n') or '0') else e = now end
  else
    e = now
  end
  out[2*i-1] = n
  out[2*i] = e - now
end
return out
`)

// redisLimiter keeps counters in Redis (APP_ENV_CACHE_REDIS_*), which every process shares.
// When Redis fails, it falls back to the database, says so in the log, and leaves Redis alone
// for 30 seconds, so that sign-ins do not each wait for a dead server's dial timeouts.
type redisLimiter struct {
	rdb      *redis.Client
	prefix   string
	fallback Limiter
	log      *slog.Logger
	clock    clock.Clock

	mu        sync.Mutex
	downUntil time.Time
}

// redisPause is how long a failed Redis is left alone.
const redisPause = 30 * time.Second

func (l *redisLimiter) up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.clock.Now().After(l.downUntil)
}

func (l *redisLimiter) failed(ctx context.Context, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if now.After(l.downUntil) {
		l.log.WarnContext(ctx, "identity: Redis is unreachable; sign-in throttling falls back to the database", "error", err, "retry_in", redisPause)
	}
	l.downUntil = now.Add(redisPause)
}

func (l *redisLimiter) Take(ctx context.Context, key string, lim Limit) (Decision, error) {
	if l.up() {
		res, err := takeScript.Run(ctx, l.rdb, []string{l.prefix + key}, l.clock.Now().UnixMilli(), lim.Window.Milliseconds()).Int64Slice()
		if err == nil && len(res) == 2 {
			return decide(int(res[0]), lim, time.Duration(res[1])*time.Millisecond), nil
		}
		l.failed(ctx, err)
	}
	return l.fallback.Take(ctx, key, lim)
}

func (l *redisLimiter) Give(ctx context.Context, key string) error {
	if l.up() {
		err := giveScript.Run(ctx, l.rdb, []string{l.prefix + key}).Err()
		if err == nil {
			return nil
		}
		l.failed(ctx, err)
	}
	return l.fallback.Give(ctx, key)
}

func (l *redisLimiter) Clear(ctx context.Context, key string) error {
	if l.up() {
		err := l.rdb.Del(ctx, l.prefix+key).Err()
		if err == nil {
			return nil
		}
		l.failed(ctx, err)
	}
	return l.fallback.Clear(ctx, key)
}

func (l *redisLimiter) Peek(ctx context.Context, keys ...string) ([]Window, error) {
	if l.up() {
		full := make([]string, len(keys))
		for i, k := range keys {
			full[i] = l.prefix + k
		}
		res, err := peekScript.Run(ctx, l.rdb, full, l.clock.Now().UnixMilli()).Int64Slice()
		if err == nil && len(res) == 2*len(keys) {
			out := make([]Window, len(keys))
			for i := range out {
				out[i] = Window{Hits: int(res[2*i]), Left: time.Duration(res[2*i+1]) * time.Millisecond}
			}
			return out, nil
		}
		if err == nil {
			err = errors.New("identity: unexpected answer to the throttle peek")
		}
		l.failed(ctx, err)
	}
	return l.fallback.Peek(ctx, keys...)
}

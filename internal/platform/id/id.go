// Package id generates snowflake identifiers: 41 bits of milliseconds since a configured epoch,
// 10 bits of worker id and 12 bits of sequence. IDs are int64 in the database and strings in JSON,
// because they exceed the 2^53 that JavaScript numbers hold exactly.
package id

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ID is a snowflake identifier.
type ID int64

// String returns the decimal form.
func (i ID) String() string { return strconv.FormatInt(int64(i), 10) }

// UnmarshalJSON accepts a JSON string or number.
func (i *ID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*i = 0
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// MarshalText makes JSON encode an ID as a string (encoding/json quotes text marshalers without
// the re-compaction pass it runs over MarshalJSON output), and lets IDs be map keys.
func (i ID) MarshalText() ([]byte, error) {
	return strconv.AppendInt(make([]byte, 0, 20), int64(i), 10), nil
}

// UnmarshalText parses the decimal form.
func (i *ID) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// Value implements driver.Valuer.
func (i ID) Value() (driver.Value, error) { return int64(i), nil }

// Scan implements sql.Scanner.
func (i *ID) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*i = 0
	case int64:
		*i = ID(v)
	case []byte:
		return i.UnmarshalText(v)
	case string:
		return i.UnmarshalText([]byte(v))
	default:
		return fmt.Errorf("id: cannot scan %T", src)
	}
	return nil
}

// ErrInvalid is returned for a string that is not a positive decimal int64.
var ErrInvalid = errors.New("invalid id: want a positive decimal integer")

// Parse reads a decimal ID.
func Parse(s string) (ID, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, ErrInvalid
	}
	return ID(v), nil
}

const (
	workerBits   = 10
	sequenceBits = 12
	maxWorker    = 1<<workerBits - 1
	maxSequence  = 1<<sequenceBits - 1
)

// DefaultEpoch is the document's APP_ENV_SNOWFLAKE_EPOCH_CHECKPOINT default: 2024-01-01T00:00:00Z.
const DefaultEpoch = int64(1704067200000)

// Generator issues unique IDs for one worker. It is safe for concurrent use.
type Generator struct {
	mu     sync.Mutex
	epoch  int64 // ms
	worker int64
	lastMS int64
	seq    int64
	now    func() time.Time
}

// NewGenerator returns a generator for the worker id (0..1023) and epoch in Unix milliseconds.
func NewGenerator(worker int64, epochMS int64) (*Generator, error) {
	if worker < 0 || worker > maxWorker {
		return nil, fmt.Errorf("snowflake worker id %d out of range 0..%d", worker, maxWorker)
	}
	if epochMS < 0 || epochMS > time.Now().UnixMilli() {
		return nil, fmt.Errorf("snowflake epoch %d must be in the past", epochMS)
	}
	return &Generator{epoch: epochMS, worker: worker, now: time.Now}, nil
}

// Next returns a new ID. Within one millisecond it counts up to 4096 IDs, then waits for the
// next millisecond; a clock that steps back is treated as standing still.
func (g *Generator) Next() ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().UnixMilli() - g.epoch
	if ms < g.lastMS {
		ms = g.lastMS
	}
	if ms == g.lastMS {
		g.seq = (g.seq + 1) & maxSequence
		if g.seq == 0 {
			for ms <= g.lastMS {
				time.Sleep(100 * time.Microsecond)
				ms = g.now().UnixMilli() - g.epoch
			}
		}
	} else {
		g.seq = 0
	}
	g.lastMS = ms
	return ID(ms<<(workerBits+sequenceBits) | g.worker<<sequenceBits | g.seq)
}

// Time returns the moment the ID was made, given the epoch it was made with.
func (i ID) Time(epochMS int64) time.Time {
	return time.UnixMilli(int64(i)>>(workerBits+sequenceBits) + epochMS).UTC()
}

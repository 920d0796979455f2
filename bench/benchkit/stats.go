package benchkit

import (
	"math"
	"strconv"
	"time"
)

// Latencies are latencies sorted in increasing order.
type Latencies []time.Duration

// Pct is the p-quantile (p in (0, 1]) by nearest rank; 0 when there is none.
func (l Latencies) Pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[min(len(l)-1, max(0, int(math.Ceil(p*float64(len(l))))-1))]
}

// Millis formats d in milliseconds with decimals digits after the point (d is read to the
// microsecond), as "1.5 ms".
func Millis(d time.Duration, decimals int) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', decimals, 64) + " ms"
}

// Package loadgen owns kmsgate's load generator: concurrent KMS JSON 1.1
// requests against a loopback server, the "floor" (the least a Go HTTP
// service on the same stack can do per request), the statistics (req/s,
// percentiles) and the report that `make bench` prints. It sends traffic to
// loopback addresses only.
package loadgen

import (
	"math"
	"slices"
	"time"
)

// Stats summarises one load phase.
type Stats struct {
	Requests  int           `json:"requests"` // answered with 200
	Errors    int           `json:"errors"`   // failed or non-200
	Elapsed   time.Duration `json:"-"`
	Seconds   float64       `json:"seconds"`
	ReqPerSec float64       `json:"reqPerSec"`
	P50       time.Duration `json:"-"`
	P99       time.Duration `json:"-"`
	P50Ms     float64       `json:"p50Ms"`
	P99Ms     float64       `json:"p99Ms"`
	// FirstError is the first failure seen, for the report.
	FirstError string `json:"firstError,omitempty"`
	// ServerCPUUs is the server process's CPU time (user and system) per
	// request sent, in µs; 0 when not measured.
	ServerCPUUs float64 `json:"serverCpuUsPerRequest,omitempty"`
}

// Summarize computes the statistics of a phase from the latencies of its
// successful requests, the error count and the phase's wall time.
// latencies is sorted in place.
func Summarize(latencies []time.Duration, errors int, elapsed time.Duration) Stats {
	slices.Sort(latencies)
	s := Stats{
		Requests: len(latencies),
		Errors:   errors,
		Elapsed:  elapsed,
		Seconds:  elapsed.Seconds(),
		P50:      Percentile(latencies, 50),
		P99:      Percentile(latencies, 99),
	}
	if elapsed > 0 {
		s.ReqPerSec = float64(len(latencies)) / elapsed.Seconds()
	}
	s.P50Ms = ms(s.P50)
	s.P99Ms = ms(s.P99)
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000
}

package loadgen

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// The targets from the issues; a run prints pass or fail against them and
// never fails because of them.
const (
	TargetRatio     = 0.85 // kmsgate/floor req/s, GenerateDataKey and Decrypt (issue 2)
	TargetGateRatio = 0.75 // GenerateDataKey under --auth verify --policy-mode enforce (issue 9)
	TargetRSSMiB    = 30
	TargetStartMs   = 20
)

// RatioTargets are the kmsgate/floor targets per operation: the
// unchecked server's, or with gate the target of verify and enforce
// together (GenerateDataKey only).
func RatioTargets(gate bool) map[string]float64 {
	if gate {
		return map[string]float64{OpGenerateDataKey: TargetGateRatio}
	}
	return map[string]float64{OpGenerateDataKey: TargetRatio, OpDecrypt: TargetRatio}
}

// OpReport is one operation measured on both sides.
type OpReport struct {
	Operation string  `json:"operation"`
	Kmsgate   Stats   `json:"kmsgate"`
	Floor     Stats   `json:"floor"`
	Ratio     float64 `json:"ratio"` // kmsgate req/s / floor req/s
	// CPURatio is kmsgate's server CPU per request over the floor's (0:
	// not measured): what each request costs the server, apart from the
	// load generator sharing the machine.
	CPURatio float64 `json:"cpuRatio,omitempty"`
	// RatioTarget and Pass are set only for operations with a target.
	RatioTarget *float64 `json:"ratioTarget,omitempty"`
	Pass        *bool    `json:"pass,omitempty"`
}

type namedStats struct {
	name string
	s    Stats
}

func (o OpReport) sides() []namedStats {
	return []namedStats{{"kmsgate", o.Kmsgate}, {"floor", o.Floor}}
}

// Report is a whole run.
type Report struct {
	Kmsgate      string     `json:"kmsgate"`
	Clients      int        `json:"clients"`
	PhaseSeconds float64    `json:"phaseSeconds"`
	Operations   []OpReport `json:"operations"`

	StartMs       float64   `json:"startMs"` // median of StartRunsMs
	StartRunsMs   []float64 `json:"startRunsMs"`
	StartTargetMs float64   `json:"startTargetMs"`
	StartPass     bool      `json:"startPass"`

	RSSBytes      int64   `json:"rssBytes"`
	RSSMiB        float64 `json:"rssMiB"`
	RSSTargetMiB  float64 `json:"rssTargetMiB"`
	RSSPass       bool    `json:"rssPass"`
	FloorRSSBytes int64   `json:"floorRssBytes"`
	FloorRSSMiB   float64 `json:"floorRssMiB"`
}

// NewOpReport pairs the two sides of an operation and judges the ratio
// against op's entry in targets, if any.
func NewOpReport(op string, kmsgate, floor Stats, targets map[string]float64) OpReport {
	r := OpReport{Operation: op, Kmsgate: kmsgate, Floor: floor}
	if floor.ReqPerSec > 0 {
		r.Ratio = round3(kmsgate.ReqPerSec / floor.ReqPerSec)
	}
	if floor.ServerCPUUs > 0 && kmsgate.ServerCPUUs > 0 {
		r.CPURatio = round3(kmsgate.ServerCPUUs / floor.ServerCPUUs)
	}
	if target, ok := targets[op]; ok {
		pass := r.Ratio >= target
		r.RatioTarget, r.Pass = &target, &pass
	}
	return r
}

// SetStart records the start-to-first-answer times of each start and
// judges their median.
func (r *Report) SetStart(runs []time.Duration) {
	r.StartRunsMs = make([]float64, len(runs))
	for i, d := range runs {
		r.StartRunsMs[i] = ms(d)
	}
	sorted := slices.Clone(runs)
	slices.Sort(sorted)
	r.StartMs = ms(Percentile(sorted, 50))
	r.StartTargetMs = TargetStartMs
	r.StartPass = r.StartMs <= TargetStartMs
}

// SetRSS records the peak RSS of kmsgate and of the floor and judges
// kmsgate's.
func (r *Report) SetRSS(kmsgate, floor int64) {
	r.RSSBytes, r.RSSMiB = kmsgate, mib(kmsgate)
	r.FloorRSSBytes, r.FloorRSSMiB = floor, mib(floor)
	r.RSSTargetMiB = TargetRSSMiB
	r.RSSPass = r.RSSMiB <= TargetRSSMiB
}

func mib(b int64) float64 { return round3(float64(b) / (1 << 20)) }

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// WriteText prints the report as a table for people.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "kmsgate bench: %s, %d clients, %gs per phase, loopback\n\n", r.Kmsgate, r.Clients, r.PhaseSeconds)
	fmt.Fprintf(w, "%-16s %-8s %9s %8s %8s %7s\n", "operation", "side", "req/s", "p50 ms", "p99 ms", "errors")
	for _, o := range r.Operations {
		for _, side := range o.sides() {
			fmt.Fprintf(w, "%-16s %-8s %9.0f %8.3f %8.3f %7d\n", o.Operation, side.name, side.s.ReqPerSec, side.s.P50Ms, side.s.P99Ms, side.s.Errors)
		}
	}
	fmt.Fprintln(w)
	for _, o := range r.Operations {
		target := "(no target)"
		if o.Pass != nil {
			target = fmt.Sprintf("(target >= %.2f: %s)", *o.RatioTarget, passFail(*o.Pass))
		}
		fmt.Fprintf(w, "ratio %-16s kmsgate/floor %.3f  %s\n", o.Operation, o.Ratio, target)
	}
	for _, o := range r.Operations {
		if o.CPURatio > 0 {
			fmt.Fprintf(w, "server CPU per request %-16s kmsgate %.1f µs, floor %.1f µs (kmsgate/floor %.2f)\n", o.Operation, o.Kmsgate.ServerCPUUs, o.Floor.ServerCPUUs, o.CPURatio)
		}
	}
	fmt.Fprintf(w, "start to first answer  %.1f ms   (target <= %g ms: %s; median of %d starts: %v)\n", r.StartMs, r.StartTargetMs, passFail(r.StartPass), len(r.StartRunsMs), r.StartRunsMs)
	fmt.Fprintf(w, "kmsgate peak RSS       %.1f MiB  (target <= %g MiB: %s; floor %.1f MiB)\n", r.RSSMiB, r.RSSTargetMiB, passFail(r.RSSPass), r.FloorRSSMiB)
	for _, o := range r.Operations {
		for _, side := range o.sides() {
			if side.s.FirstError != "" {
				fmt.Fprintf(w, "first error, %s on %s: %s\n", o.Operation, side.name, side.s.FirstError)
			}
		}
	}
	return nil
}

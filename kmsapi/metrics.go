package kmsapi

import "sync/atomic"

// metrics counts requests and error answers per operation.
type metrics struct {
	ops map[string]*opCounters // fixed at construction; read-only after
}

type opCounters struct {
	requests atomic.Int64
	errors   atomic.Int64
}

func newMetrics(names []string) *metrics {
	m := &metrics{ops: make(map[string]*opCounters, len(names))}
	for _, n := range names {
		m.ops[n] = &opCounters{}
	}
	return m
}

// metricsSnapshot is the JSON of GET /_kmsgate/metrics.
type metricsSnapshot struct {
	Operations map[string]opSnapshot `json:"operations"`
}

type opSnapshot struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
}

func (m *metrics) snapshot() metricsSnapshot {
	out := metricsSnapshot{Operations: make(map[string]opSnapshot, len(m.ops))}
	for name, c := range m.ops {
		out.Operations[name] = opSnapshot{Requests: c.requests.Load(), Errors: c.errors.Load()}
	}
	return out
}

package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// NewClient returns the one HTTP client a run uses: keep-alive connections
// enough for every concurrent client to each side, and a per-request timeout.
func NewClient(clients int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        4 * clients,
		MaxIdleConnsPerHost: 2 * clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// Target is one server under load: its base URL (http://127.0.0.1:port/)
// and the client to reach it.
type Target struct {
	URL    string
	Client *http.Client
	// Sign, when set, signs each request (loadgen --gate: SigV4).
	Sign func(req *http.Request, op string, body []byte) error
	// CPU, when set, is the CPU time the server's process has used so
	// far: each phase then counts what the server spent on it.
	CPU func() (time.Duration, error)
}

// NewTarget checks that addr is a loopback host:port and returns its target.
func NewTarget(addr string, c *http.Client) (Target, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return Target{}, fmt.Errorf("address %q: %v", addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return Target{}, fmt.Errorf("address %q is not a loopback address; loadgen only sends to loopback", addr)
	}
	u := url.URL{Scheme: "http", Host: addr, Path: "/"}
	return Target{URL: u.String(), Client: c}, nil
}

func (t Target) request(ctx context.Context, op string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	if t.Sign != nil {
		if err := t.Sign(req, op, body); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// Do sends one KMS JSON 1.1 call and returns the status and body.
func (t Target) Do(ctx context.Context, op string, body []byte) (int, []byte, error) {
	req, err := t.request(ctx, op, body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// hit sends one call under load: the answer is read to the end and thrown
// away; anything but 200 is an error.
func (t Target) hit(ctx context.Context, op string, body []byte) error {
	req, err := t.request(ctx, op, body)
	if err != nil {
		return err
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %d", op, resp.StatusCode)
	}
	return nil
}

// Call is one operation with the request bodies to send, used in turn.
type Call struct {
	Op     string
	Bodies [][]byte
}

// Phase bounds one load phase: Clients goroutines send requests until
// Duration has passed or MaxRequests requests (all clients together) have
// been sent, whichever comes first.
type Phase struct {
	Clients     int
	Duration    time.Duration
	MaxRequests int
}

// Sample is the raw outcome of load: the latency of each request answered
// with 200, the failures and the wall time.
type Sample struct {
	Latencies  []time.Duration
	Errors     int
	FirstError string
	Elapsed    time.Duration
	// ServerCPU is the CPU time the server's process spent in the phase
	// (its Target's CPU; zero when it has none).
	ServerCPU time.Duration
	// ServerCPUFailed is set when a reading of the server's CPU failed in
	// a phase: ServerCPU then lacks that phase, and Stats gives none.
	ServerCPUFailed bool
}

// Add merges o into s (phases measured in rounds add up).
func (s *Sample) Add(o Sample) {
	s.Latencies = append(s.Latencies, o.Latencies...)
	s.Errors += o.Errors
	if s.FirstError == "" {
		s.FirstError = o.FirstError
	}
	s.Elapsed += o.Elapsed
	s.ServerCPU += o.ServerCPU
	s.ServerCPUFailed = s.ServerCPUFailed || o.ServerCPUFailed
}

// Stats summarises the sample.
func (s Sample) Stats() Stats {
	st := Summarize(s.Latencies, s.Errors, s.Elapsed)
	st.FirstError = s.FirstError
	if n := len(s.Latencies) + s.Errors; n > 0 && s.ServerCPU > 0 && !s.ServerCPUFailed {
		st.ServerCPUUs = round3(float64(s.ServerCPU) / float64(time.Microsecond) / float64(n))
	}
	return st
}

// Run loads t with c for one phase and summarises it.
func Run(ctx context.Context, t Target, c Call, ph Phase) Stats {
	return Collect(ctx, t, c, ph).Stats()
}

// Collect loads t with c for one phase. Every loop is bounded in time and
// count and ends by itself; a cancelled ctx ends it sooner.
func Collect(ctx context.Context, t Target, c Call, ph Phase) Sample {
	if ph.Clients < 1 || len(c.Bodies) == 0 || ph.MaxRequests < 1 {
		return Sample{}
	}
	results := make([]Sample, ph.Clients)
	var sent atomic.Int64
	cpu0, cpuErr := serverCPU(t)
	start := time.Now()
	deadline := start.Add(ph.Duration)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			r := &results[i]
			r.Latencies = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := sent.Add(1)
				if n > int64(ph.MaxRequests) {
					return
				}
				body := c.Bodies[int(n)%len(c.Bodies)]
				t0 := time.Now()
				err := t.hit(ctx, c.Op, body)
				d := time.Since(t0)
				if err != nil {
					if r.Errors == 0 {
						r.FirstError = err.Error()
					}
					r.Errors++
					continue
				}
				r.Latencies = append(r.Latencies, d)
			}
		})
	}
	wg.Wait()
	var all Sample
	for _, r := range results {
		all.Add(r)
	}
	all.Elapsed = time.Since(start)
	if cpu1, err := serverCPU(t); err == nil && cpuErr == nil {
		all.ServerCPU = cpu1 - cpu0
	} else {
		all.ServerCPUFailed = true
	}
	return all
}

// serverCPU is t.CPU(), or 0 when t has none.
func serverCPU(t Target) (time.Duration, error) {
	if t.CPU == nil {
		return 0, nil
	}
	return t.CPU()
}

// Alternate loads each target with its call (calls[i] on targets[i]) in
// rounds, in ABBA order so that neither side always goes first and drift
// hits both alike, after an unmeasured warm phase on each (none when
// warm.Duration is 0). It returns each target's rounds added up.
func Alternate(ctx context.Context, targets []Target, calls []Call, rounds int, round, warm Phase) []Sample {
	if warm.Duration > 0 {
		for i, t := range targets {
			Collect(ctx, t, calls[i], warm)
		}
	}
	sides := make([]Sample, len(targets))
	for r := range rounds {
		for j := range targets {
			i := j
			if r%2 == 1 {
				i = len(targets) - 1 - j
			}
			sides[i].Add(Collect(ctx, targets[i], calls[i], round))
		}
	}
	return sides
}

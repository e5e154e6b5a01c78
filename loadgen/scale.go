package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ScaleOptions configure a scale run (loadgen scale): kmsgate serving a
// store Fill made with Keys keys.
type ScaleOptions struct {
	Kmsgate  string // binary
	Data     string // store path (root key beside it, as Fill made it)
	Keys     int    // keys Fill made (their ids are ScaleKeyID(0..Keys-1))
	Clients  int
	Duration time.Duration // each measured operation
	Warmup   time.Duration
	Starts   int // starts measured; the median is reported
	// Check is kmsgate's --check (quick, full or off; "" for its default,
	// quick).
	Check string
}

// ScaleOp is one operation measured in a scale run.
type ScaleOp struct {
	Name  string `json:"name"`
	Stats Stats  `json:"stats"`
}

// ScaleReport is a scale run: the figures of BENCHMARKS.md's scale table.
type ScaleReport struct {
	Keys         int       `json:"keys"`
	Check        string    `json:"check"`
	StoreBytes   int64     `json:"storeBytes"`
	StartMs      float64   `json:"startMs"` // median
	StartRunsMs  []float64 `json:"startRunsMs"`
	RSSIdleBytes int64     `json:"rssIdleBytes"` // VmRSS after start and one ListKeys
	RSSPeakBytes int64     `json:"rssPeakBytes"` // VmHWM after the load
	// After the load: RSS of anonymous memory (heap, stacks) and of file
	// pages (the store's mmap: pages read stay resident until the kernel
	// needs them, and count in VmRSS and VmHWM).
	RSSAnonBytes int64 `json:"rssAnonBytes"`
	RSSFileBytes int64 `json:"rssFileBytes"`
	// With --check quick: the background store check of the last start.
	// CheckRunningAfterLoad says whether it still ran when the load of
	// ScaleDuringCheck ended (false: part of that load ran after it);
	// CheckSeconds is how long it took (kmsgate_store_check_duration_seconds);
	// RSSAfterCheckBytes is VmRSS once it had ended, RSSAnonAfterCheckBytes
	// the anonymous part (the walk reads with pread: its memory is
	// anonymous; the file pages are those the load read through bbolt's
	// mmap).
	CheckRunningAfterLoad  bool      `json:"checkRunningAfterLoad,omitempty"`
	CheckSeconds           float64   `json:"checkSeconds,omitempty"`
	RSSAfterCheckBytes     int64     `json:"rssAfterCheckBytes,omitempty"`
	RSSAnonAfterCheckBytes int64     `json:"rssAnonAfterCheckBytes,omitempty"`
	DeepPageAfter          int       `json:"deepPageAfter"`
	Ops                    []ScaleOp `json:"operations"`
}

// The scale run's operation names.
const (
	ScaleListKeysFirst = "ListKeys first page (Limit 100)"
	ScaleListKeysDeep  = "ListKeys deep page (Limit 100, marker)"
	ScaleListAliases   = "ListAliases first page (Limit 100)"
	ScaleDescribeKey   = "DescribeKey (1,000 keys across the store)"
	ScaleGenerate      = "GenerateDataKey AES_256 (same 1,000 keys)"
	ScaleCreateKey     = "CreateKey"
	// ScaleDuringCheck is DescribeKey at once after the last start: with
	// --check quick while the background store check walks the store; in
	// the other modes the same load at the same point, to compare with.
	ScaleDuringCheck = "DescribeKey at once after start (with --check quick: during the background store check)"
)

// scaleSample is how many keys DescribeKey and GenerateDataKey spread over.
const scaleSample = 1000

// Scale starts kmsgate on o.Data o.Starts times (start to first answer),
// then measures each operation for o.Duration with o.Clients clients.
// CreateKey goes last, since it adds keys.
func Scale(ctx context.Context, o ScaleOptions, progress io.Writer) (*ScaleReport, error) {
	size, err := fileSize(o.Data)
	if err != nil {
		return nil, fmt.Errorf("store: %w (make it with loadgen fill)", err)
	}
	rep := &ScaleReport{Keys: o.Keys, StoreBytes: size, Check: o.Check}
	if rep.Check == "" {
		rep.Check = "quick"
	}
	client := NewClient(o.Clients)
	var (
		proc *Server
		kt   Target
	)
	var starts []time.Duration
	for i := range max(o.Starts, 1) {
		addr, err := FreeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		if kt, err = NewTarget(addr, client); err != nil {
			return nil, err
		}
		probe := Target{URL: kt.URL, Client: NewClient(1)}
		args := []string{"serve", "--data", o.Data, "--listen", addr, "--log-level", "warn"}
		if o.Check != "" {
			args = append(args, "--check", o.Check)
		}
		proc, err = StartServer(ctx, o.Kmsgate, args, addr, probe, time.Minute)
		if err != nil {
			return nil, err
		}
		starts = append(starts, proc.StartToAnswer)
		if i < max(o.Starts, 1)-1 {
			proc.Stop()
		}
	}
	defer proc.Stop()
	for _, d := range starts {
		rep.StartRunsMs = append(rep.StartRunsMs, ms(d))
	}
	slices.Sort(starts)
	rep.StartMs = ms(starts[len(starts)/2])
	if rep.RSSIdleBytes, err = statusBytes(proc.Cmd.Process.Pid, "VmRSS:"); err != nil {
		return nil, err
	}
	var describe, generate [][]byte
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	for i := range min(scaleSample, o.Keys) {
		id := ScaleKeyID(i * (o.Keys / min(scaleSample, o.Keys)))
		describe = append(describe, enc(map[string]string{"KeyId": id}))
		generate = append(generate, enc(map[string]string{"KeyId": id, "KeySpec": "AES_256"}))
	}
	st := Collect(ctx, kt, Call{"DescribeKey", describe}, Phase{Clients: o.Clients, Duration: o.Duration, MaxRequests: 1 << 30}).Stats()
	if st.Errors > 0 {
		return nil, fmt.Errorf("%s: %d errors, the first: %s", ScaleDuringCheck, st.Errors, st.FirstError)
	}
	rep.Ops = append(rep.Ops, ScaleOp{Name: ScaleDuringCheck, Stats: st})
	if progress != nil {
		fmt.Fprintf(progress, "%s: %.0f req/s, p50 %.2f ms\n", ScaleDuringCheck, st.ReqPerSec, st.P50Ms)
	}
	if rep.Check == "quick" {
		running, took, err := waitStoreCheck(ctx, kt, 30*time.Minute)
		if err != nil {
			return nil, err
		}
		rep.CheckRunningAfterLoad, rep.CheckSeconds = running, took
		if rep.RSSAfterCheckBytes, err = statusBytes(proc.Cmd.Process.Pid, "VmRSS:"); err != nil {
			return nil, err
		}
		if rep.RSSAnonAfterCheckBytes, err = statusBytes(proc.Cmd.Process.Pid, "RssAnon:"); err != nil {
			return nil, err
		}
	}

	marker, after, err := deepMarker(ctx, kt, o.Keys/2)
	if err != nil {
		return nil, err
	}
	rep.DeepPageAfter = after
	deep := enc(map[string]any{"Limit": 100})
	if marker != "" {
		deep = enc(map[string]any{"Limit": 100, "Marker": marker})
	}
	calls := []struct {
		name string
		call Call
	}{
		{ScaleListKeysFirst, Call{"ListKeys", [][]byte{enc(map[string]any{"Limit": 100})}}},
		{ScaleListKeysDeep, Call{"ListKeys", [][]byte{deep}}},
		{ScaleListAliases, Call{"ListAliases", [][]byte{enc(map[string]any{"Limit": 100})}}},
		{ScaleDescribeKey, Call{"DescribeKey", describe}},
		{ScaleGenerate, Call{OpGenerateDataKey, generate}},
		{ScaleCreateKey, Call{"CreateKey", [][]byte{enc(map[string]string{"Description": "kmsgate loadgen scale"})}}},
	}
	for _, c := range calls {
		if o.Warmup > 0 {
			Collect(ctx, kt, c.call, Phase{Clients: o.Clients, Duration: o.Warmup, MaxRequests: 1 << 30})
		}
		st := Collect(ctx, kt, c.call, Phase{Clients: o.Clients, Duration: o.Duration, MaxRequests: 1 << 30}).Stats()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if st.Errors > 0 {
			return nil, fmt.Errorf("%s: %d errors, the first: %s", c.name, st.Errors, st.FirstError)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: %.0f req/s, p50 %.2f ms\n", c.name, st.ReqPerSec, st.P50Ms)
		}
		rep.Ops = append(rep.Ops, ScaleOp{Name: c.name, Stats: st})
	}
	if rep.RSSPeakBytes, err = proc.PeakRSS(); err != nil {
		return nil, err
	}
	if rep.RSSAnonBytes, err = statusBytes(proc.Cmd.Process.Pid, "RssAnon:"); err != nil {
		return nil, err
	}
	if rep.RSSFileBytes, err = statusBytes(proc.Cmd.Process.Pid, "RssFile:"); err != nil {
		return nil, err
	}
	return rep, nil
}

// deepMarker walks ListKeys pages of 1000 until at least n keys are behind
// and returns the marker there ("" when the list ends first) and how many
// keys are behind it.
func deepMarker(ctx context.Context, t Target, n int) (string, int, error) {
	var marker string
	behind := 0
	for behind < n {
		in := map[string]any{"Limit": min(1000, n-behind)}
		if marker != "" {
			in["Marker"] = marker
		}
		var out struct {
			Keys       []json.RawMessage
			NextMarker string
		}
		if err := call(ctx, t, "ListKeys", in, &out); err != nil {
			return "", 0, err
		}
		behind += len(out.Keys)
		marker = out.NextMarker
		if marker == "" {
			return "", behind, nil
		}
	}
	return marker, behind, nil
}

// statusBytes reads a kB field (e.g. "VmRSS:") of /proc/<pid>/status.
func statusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(field))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", field, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		return kb * 1024, err
	}
	return 0, fmt.Errorf("no %s line in the process status", field)
}

// WriteText prints the report, one figure a line.
func (r *ScaleReport) WriteText(w io.Writer) error {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	var b strings.Builder
	fmt.Fprintf(&b, "keys: %d\nstore size: %.1f MiB\n", r.Keys, mib(r.StoreBytes))
	fmt.Fprintf(&b, "start to first answer (--check %s): %.1f ms (median of %v)\n", r.Check, r.StartMs, r.StartRunsMs)
	fmt.Fprintf(&b, "RSS after start: %.1f MiB\nRSS peak under load: %.1f MiB (after the load: %.1f MiB anonymous, %.1f MiB file pages of the store's mmap)\n",
		mib(r.RSSIdleBytes), mib(r.RSSPeakBytes), mib(r.RSSAnonBytes), mib(r.RSSFileBytes))
	if r.CheckSeconds > 0 {
		fmt.Fprintf(&b, "background store check: %.2f s (still running when the load during it ended: %v); RSS after it: %.1f MiB (%.1f MiB anonymous)\n",
			r.CheckSeconds, r.CheckRunningAfterLoad, mib(r.RSSAfterCheckBytes), mib(r.RSSAnonAfterCheckBytes))
	}
	fmt.Fprintf(&b, "deep page: after %d keys\n", r.DeepPageAfter)
	for _, op := range r.Ops {
		fmt.Fprintf(&b, "%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms\n", op.Name, op.Stats.ReqPerSec, op.Stats.P50Ms, op.Stats.P99Ms)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// waitStoreCheck asks /healthz until the background store check has ended
// (at most timeout) and returns whether it was still running at the first
// ask, and how long it took (kmsgate_store_check_duration_seconds). A
// damaged store is an error.
func waitStoreCheck(ctx context.Context, t Target, timeout time.Duration) (runningAtFirst bool, took float64, err error) {
	deadline := time.Now().Add(timeout)
	for first := true; ; first = false {
		var h struct {
			Store struct{ Check, Error string }
		}
		body, err := get(ctx, t, "/healthz")
		if err != nil {
			return false, 0, err
		}
		if err := json.Unmarshal(body, &h); err != nil || h.Store.Check == "" {
			return false, 0, fmt.Errorf("/healthz says no store check (%v): %s", err, body)
		}
		switch h.Store.Check {
		case "running":
			if first {
				runningAtFirst = true
			}
			if time.Now().After(deadline) {
				return false, 0, fmt.Errorf("the store check still ran after %v", timeout)
			}
			select {
			case <-ctx.Done():
				return false, 0, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			continue
		case "passed":
		default:
			return false, 0, fmt.Errorf("store check %s: %s", h.Store.Check, h.Store.Error)
		}
		m, err := get(ctx, t, "/metrics")
		if err != nil {
			return false, 0, err
		}
		for line := range strings.Lines(string(m)) {
			if v, ok := strings.CutPrefix(line, "kmsgate_store_check_duration_seconds "); ok {
				took, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
				return runningAtFirst, took, err
			}
		}
		return false, 0, fmt.Errorf("/metrics has no kmsgate_store_check_duration_seconds")
	}
}

// get answers GET path of t's server (any status: /healthz answers 503
// when unhealthy).
func get(ctx context.Context, t Target, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(t.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/server"
)

func msList(vals ...int) []time.Duration {
	out := make([]time.Duration, len(vals))
	for i, v := range vals {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose: Summarize sorts
	}
	cases := []struct {
		name     string
		vals     []time.Duration
		p50, p99 time.Duration
	}{
		{"no values give zero", nil, 0, 0},
		{"one value is every percentile", msList(7), 7 * time.Millisecond, 7 * time.Millisecond},
		{"1..100 ms give 50 and 99 ms", msList(hundred...), 50 * time.Millisecond, 99 * time.Millisecond},
		{"ten values: p50 is the 5th, p99 the 10th", msList(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 5 * time.Millisecond, 10 * time.Millisecond},
		{"one slow outlier in 200 shows in neither p50 nor p99", append(msList(make([]int, 199)...), time.Second), 0, 0},
		{"three slow in 200 show in p99", append(msList(make([]int, 197)...), time.Second, time.Second, time.Second), 0, time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(c.vals, 0, time.Second)
			if s.P50 != c.p50 || s.P99 != c.p99 {
				t.Errorf("got p50 %v p99 %v, want %v and %v", s.P50, s.P99, c.p50, c.p99)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Run("req/s is answered requests over wall time, errors apart", func(t *testing.T) {
		s := Summarize(msList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 3, 4*time.Second)
		if s.Requests != 10 || s.Errors != 3 || s.ReqPerSec != 2.5 || s.Seconds != 4 {
			t.Errorf("got %d requests, %d errors, %v req/s over %v s; want 10, 3, 2.5, 4", s.Requests, s.Errors, s.ReqPerSec, s.Seconds)
		}
		if s.P50Ms != 5 || s.P99Ms != 10 {
			t.Errorf("got p50 %v ms p99 %v ms, want 5 and 10", s.P50Ms, s.P99Ms)
		}
	})
	t.Run("no wall time gives zero req/s, not a division by zero", func(t *testing.T) {
		if s := Summarize(msList(1), 0, 0); s.ReqPerSec != 0 {
			t.Errorf("got %v req/s, want 0", s.ReqPerSec)
		}
	})
	t.Run("samples from rounds add up", func(t *testing.T) {
		a := Sample{Latencies: msList(1, 2), Errors: 1, FirstError: "first", Elapsed: time.Second}
		a.Add(Sample{Latencies: msList(3, 4), Errors: 2, FirstError: "second", Elapsed: time.Second})
		s := a.Stats()
		if s.Requests != 4 || s.Errors != 3 || s.ReqPerSec != 2 || s.FirstError != "first" || s.P99 != 4*time.Millisecond {
			t.Errorf("got %+v, want 4 requests, 3 errors, 2 req/s, first error kept, p99 4ms", s)
		}
	})
}

// countingFloor serves a real floor on 127.0.0.1 and counts what it gets.
func countingFloor(t *testing.T) (Target, *atomic.Int64) {
	t.Helper()
	f, err := NewFloor(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tg, err := NewTarget(strings.TrimPrefix(srv.URL, "http://"), NewClient(4))
	if err != nil {
		t.Fatal(err)
	}
	return tg, &n
}

func TestCollect(t *testing.T) {
	ctx := context.Background()
	t.Run("a phase bounded by count sends exactly that many requests", func(t *testing.T) {
		tg, served := countingFloor(t)
		c := Call{Op: OpGenerateDataKey, Bodies: [][]byte{[]byte(`{"KeyId":"k","KeySpec":"AES_256"}`)}}
		s := Run(ctx, tg, c, Phase{Clients: 4, Duration: time.Minute, MaxRequests: 300})
		if s.Requests != 300 || s.Errors != 0 {
			t.Fatalf("got %d requests and %d errors (%s), want 300 and 0", s.Requests, s.Errors, s.FirstError)
		}
		if got := served.Load(); got != 300 {
			t.Errorf("server saw %d requests, want 300", got)
		}
		if s.P50 <= 0 || s.P99 < s.P50 || s.ReqPerSec <= 0 {
			t.Errorf("got p50 %v p99 %v req/s %v, want positive and ordered", s.P50, s.P99, s.ReqPerSec)
		}
	})
	t.Run("a phase bounded by time stops by itself and counts every request", func(t *testing.T) {
		tg, served := countingFloor(t)
		c := Call{Op: OpEncrypt, Bodies: [][]byte{[]byte(`{"KeyId":"k","Plaintext":"aGVsbG8="}`)}}
		s := Collect(ctx, tg, c, Phase{Clients: 2, Duration: 200 * time.Millisecond, MaxRequests: 1 << 30})
		if len(s.Latencies) == 0 || int64(len(s.Latencies)+s.Errors) != served.Load() {
			t.Errorf("got %d answered + %d errors, server saw %d; want them equal and > 0", len(s.Latencies), s.Errors, served.Load())
		}
		if s.Elapsed < 200*time.Millisecond {
			t.Errorf("phase took %v, want at least its 200ms", s.Elapsed)
		}
	})
	t.Run("answers other than 200 are errors with the first one kept", func(t *testing.T) {
		tg, served := countingFloor(t)
		c := Call{Op: OpDecrypt, Bodies: [][]byte{[]byte(`not json`)}}
		s := Run(ctx, tg, c, Phase{Clients: 3, Duration: time.Minute, MaxRequests: 30})
		if s.Requests != 0 || s.Errors != 30 || served.Load() != 30 {
			t.Errorf("got %d requests, %d errors, server saw %d; want 0, 30, 30", s.Requests, s.Errors, served.Load())
		}
		if !strings.Contains(s.FirstError, "HTTP 400") {
			t.Errorf("got first error %q, want it to name HTTP 400", s.FirstError)
		}
	})
	t.Run("the server's CPU over the phase is counted per request sent", func(t *testing.T) {
		tg, _ := countingFloor(t)
		readings := []time.Duration{3 * time.Second, 5 * time.Second}
		tg.CPU = func() (time.Duration, error) {
			d := readings[0]
			readings = readings[1:]
			return d, nil
		}
		c := Call{Op: OpGenerateDataKey, Bodies: [][]byte{[]byte(`{"KeyId":"k","KeySpec":"AES_256"}`)}}
		sample := Collect(ctx, tg, c, Phase{Clients: 2, Duration: time.Minute, MaxRequests: 40})
		if sample.ServerCPU != 2*time.Second {
			t.Fatalf("got server CPU %v, want the 2s between the readings before and after", sample.ServerCPU)
		}
		if got := sample.Stats().ServerCPUUs; got != 50000 {
			t.Errorf("got %v µs per request, want 2s / 40 requests = 50000", got)
		}
	})
	t.Run("a failed reading of the server's CPU leaves the phase unmeasured", func(t *testing.T) {
		tg, _ := countingFloor(t)
		readings := []error{nil, errors.New("no such process")}
		tg.CPU = func() (time.Duration, error) {
			err := readings[0]
			readings = readings[1:]
			return 3 * time.Second, err
		}
		c := Call{Op: OpGenerateDataKey, Bodies: [][]byte{[]byte(`{"KeyId":"k","KeySpec":"AES_256"}`)}}
		sample := Collect(ctx, tg, c, Phase{Clients: 2, Duration: time.Minute, MaxRequests: 40})
		if sample.ServerCPU != 0 || !sample.ServerCPUFailed {
			t.Errorf("got server CPU %v, failed %v; want 0, true", sample.ServerCPU, sample.ServerCPUFailed)
		}
	})
	t.Run("a cancelled context ends the phase at once", func(t *testing.T) {
		tg, _ := countingFloor(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		c := Call{Op: OpEncrypt, Bodies: [][]byte{[]byte(`{}`)}}
		if s := Collect(cctx, tg, c, Phase{Clients: 2, Duration: time.Minute, MaxRequests: 1 << 30}); len(s.Latencies) != 0 {
			t.Errorf("got %d answered requests after cancel, want 0", len(s.Latencies))
		}
	})
}

// realKmsgate runs a real kmsgate (the same wiring as `kmsgate serve
// --ephemeral`) on 127.0.0.1 for the duration of the test.
func realKmsgate(t *testing.T) Target {
	t.Helper()
	srv, err := server.Start(context.Background(), server.Config{
		Listen: "127.0.0.1:0", Ephemeral: true, Region: "us-east-1", Account: "111122223333",
		Logger: zerolog.New(io.Discard),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	tg, err := NewTarget(srv.Addr, NewClient(4))
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestSetupAndCalls(t *testing.T) {
	ctx := context.Background()
	tg := realKmsgate(t)
	fix, err := Setup(ctx, tg, 3, rand.Reader)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if len(fix.KeyID) != 36 || len(fix.Blobs) != 3 {
		t.Fatalf("got key %q and %d blobs, want a UUID and 3", fix.KeyID, len(fix.Blobs))
	}
	calls, err := fix.Calls(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Decrypt bodies carry each blob in base64", func(t *testing.T) {
		dec := calls[OpDecrypt]
		if len(dec.Bodies) != 3 {
			t.Fatalf("got %d Decrypt bodies, want 3", len(dec.Bodies))
		}
		for i, body := range dec.Bodies {
			var in struct{ KeyId, CiphertextBlob string }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatal(err)
			}
			if in.KeyId != fix.KeyID || in.CiphertextBlob != base64.StdEncoding.EncodeToString(fix.Blobs[i]) {
				t.Errorf("body %d is %s", i, body)
			}
		}
	})
	t.Run("GenerateDataKey asks for AES_256 under the key", func(t *testing.T) {
		want := `{"KeyId":"` + fix.KeyID + `","KeySpec":"AES_256"}`
		if got := string(calls[OpGenerateDataKey].Bodies[0]); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("kmsgate answers every call the load sends", func(t *testing.T) {
		for _, op := range Ops {
			for _, body := range calls[op].Bodies {
				status, answer, err := tg.Do(ctx, op, body)
				if err != nil || status != 200 {
					t.Errorf("%s: got %d %v %s, want 200", op, status, err, answer)
				}
			}
		}
	})
	t.Run("the floor answers each call with 32 bytes sealed", func(t *testing.T) {
		floor, _ := countingFloor(t)
		status, body, err := floor.Do(ctx, OpGenerateDataKey, calls[OpGenerateDataKey].Bodies[0])
		if err != nil || status != 200 {
			t.Fatalf("got %d %v", status, err)
		}
		var out struct {
			KeyId                     string
			Plaintext, CiphertextBlob []byte
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		if out.KeyId != fix.KeyID || len(out.Plaintext) != 32 || len(out.CiphertextBlob) != 60 || bytes.Contains(out.CiphertextBlob, out.Plaintext) {
			t.Errorf("got %s", body)
		}
	})
}

func TestNewTargetIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:80", "[::1]:4599", "localhost:1"} {
		if _, err := NewTarget(addr, nil); err != nil {
			t.Errorf("NewTarget(%q): %v, want accepted", addr, err)
		}
	}
	for _, addr := range []string{"10.0.0.1:80", "192.168.1.1:80", "example.com:443", "8.8.8.8:53", "nohost"} {
		if _, err := NewTarget(addr, nil); err == nil {
			t.Errorf("NewTarget(%q) accepted, want refused", addr)
		}
	}
}

func TestPeakRSS(t *testing.T) {
	t.Run("VmHWM is read in bytes", func(t *testing.T) {
		got, err := parseVmHWM([]byte("Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 1 kB\n"))
		if err != nil || got != 12345*1024 {
			t.Errorf("got %d, %v; want %d", got, err, 12345*1024)
		}
	})
	t.Run("a status without VmHWM is an error", func(t *testing.T) {
		if _, err := parseVmHWM([]byte("Name:\tx\n")); err == nil {
			t.Error("got no error")
		}
	})
	t.Run("this process has a peak RSS", func(t *testing.T) {
		got, err := PeakRSS(os.Getpid())
		if err != nil || got < 1<<20 {
			t.Errorf("got %d, %v; want at least 1 MiB", got, err)
		}
	})
}

func TestReport(t *testing.T) {
	k := Stats{Requests: 900, ReqPerSec: 900, P50Ms: 1, P99Ms: 2}
	f := Stats{Requests: 1000, ReqPerSec: 1000, P50Ms: 1, P99Ms: 2}
	cases := []struct {
		name     string
		op       string
		gate     bool
		kmsgate  Stats
		ratio    float64
		hasPass  bool
		wantPass bool
	}{
		{"GenerateDataKey at 0.9 passes", OpGenerateDataKey, false, k, 0.9, true, true},
		{"Decrypt at 0.8 fails", OpDecrypt, false, Stats{ReqPerSec: 800}, 0.8, true, false},
		{"Encrypt has no target", OpEncrypt, false, k, 0.9, false, false},
		{"GenerateDataKey through the gate at 0.8 passes its 0.75 target", OpGenerateDataKey, true, Stats{ReqPerSec: 800}, 0.8, true, true},
		{"GenerateDataKey through the gate at 0.7 fails", OpGenerateDataKey, true, Stats{ReqPerSec: 700}, 0.7, true, false},
		{"Decrypt through the gate has no target", OpDecrypt, true, Stats{ReqPerSec: 700}, 0.7, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := NewOpReport(c.op, c.kmsgate, f, RatioTargets(c.gate))
			if o.Ratio != c.ratio || (o.Pass != nil) != c.hasPass || (o.Pass != nil && *o.Pass != c.wantPass) {
				t.Errorf("got ratio %v pass %v, want %v and (%v %v)", o.Ratio, o.Pass, c.ratio, c.hasPass, c.wantPass)
			}
		})
	}
	t.Run("the text and JSON forms carry the figures and verdicts", func(t *testing.T) {
		r := &Report{Kmsgate: "./bin/kmsgate", Clients: 16, PhaseSeconds: 5}
		kc, fc := k, f
		kc.ServerCPUUs, fc.ServerCPUUs = 64.5, 32
		r.Operations = []OpReport{NewOpReport(OpGenerateDataKey, kc, fc, RatioTargets(false))}
		r.SetStart([]time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 40 * time.Millisecond, 5 * time.Millisecond})
		r.SetRSS(20<<20, 10<<20)
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"GenerateDataKey  kmsgate", "kmsgate/floor 0.900  (target >= 0.85: PASS)", "server CPU per request GenerateDataKey  kmsgate 64.5 µs, floor 32.0 µs (kmsgate/floor 2.02)", "25.0 ms   (target <= 20 ms: FAIL; median of 5 starts: [30 10 25 40 5])", "20.0 MiB  (target <= 30 MiB: PASS; floor 10.0 MiB)"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, b.String())
			}
		}
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"startMs":25`, `"startRunsMs":[30,10,25,40,5]`, `"startPass":false`, `"rssMiB":20`, `"rssPass":true`, `"ratio":0.9`, `"pass":true`, `"reqPerSec":900`, `"cpuRatio":2.016`, `"serverCpuUsPerRequest":64.5`} {
			if !bytes.Contains(js, []byte(want)) {
				t.Errorf("JSON lacks %s: %s", want, js)
			}
		}
	})
}

// BenchmarkFloor is the floor handler's own cost per request, without the
// network: what the floor process spends besides net/http.
func BenchmarkFloor(b *testing.B) {
	f, err := NewFloor(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"KeyId":"bc436485-5092-42b8-92a3-0aa8b93536dc","KeySpec":"AES_256"}`)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// TestSigV4SignsOncePerBodyAndMinute: the headers Sign adds are the SDK's
// signature of the request, reused for the same operation and body.
func TestSigV4SignsOncePerBodyAndMinute(t *testing.T) {
	s := NewSigV4("AKIATEST", "secret", "us-east-1")
	req := func(op string, body []byte) *http.Request {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "TrentService."+op)
		if err := s.Sign(r, op, body); err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := []byte(`{"KeyId":"a"}`), []byte(`{"KeyId":"b"}`)
	first, again, other, otherOp := req("Encrypt", a), req("Encrypt", a), req("Encrypt", b), req("Decrypt", a)
	auth := func(r *http.Request) string { return r.Header.Get("Authorization") }
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"the same operation and body reuse the signature", auth(first) == auth(again), true},
		{"another body is signed apart", auth(first) == auth(other), false},
		{"another operation is signed apart", auth(first) == auth(otherOp), false},
		{"the signature is an AWS4-HMAC-SHA256 one of the access key", strings.HasPrefix(auth(first), "AWS4-HMAC-SHA256 Credential=AKIATEST/"), true},
		{"X-Amz-Date is set", first.Header.Get("X-Amz-Date") != "", true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestProcessCPU(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       time.Duration
		wantErr    bool
	}{
		{"utime and stime add up in clock ticks", "4242 (kmsgate) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 9 0 1 2 3", 3800 * time.Millisecond, false},
		{"a command name with spaces and parentheses", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0", 30 * time.Millisecond, false},
		{"a line cut short", "7 (x) R 1 7", 0, true},
		{"no command name", "7 x R", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.line))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
	t.Run("this process has used CPU", func(t *testing.T) {
		got, err := ProcessCPU(os.Getpid())
		if err != nil || got <= 0 {
			t.Errorf("got %v, %v; want a positive CPU time", got, err)
		}
	})
}

// TestSampleServerCPUPerRequestSent: the server's CPU is divided by every
// request sent, the failed ones too (Stats.ServerCPUUs), and added up over
// rounds before dividing.
func TestSampleServerCPUPerRequestSent(t *testing.T) {
	answered := func(n int) []time.Duration { return make([]time.Duration, n) }
	for _, tc := range []struct {
		name   string
		rounds []Sample
		want   float64
	}{
		{"answered only", []Sample{{Latencies: answered(40), ServerCPU: 2 * time.Second}}, 50000},
		{"errors count as sent", []Sample{{Latencies: answered(30), Errors: 10, ServerCPU: 2 * time.Second}}, 50000},
		{"rounds add up", []Sample{{Latencies: answered(10), ServerCPU: time.Second}, {Latencies: answered(30), ServerCPU: 3 * time.Second}}, 100000},
		{"no CPU measured", []Sample{{Latencies: answered(40)}}, 0},
		{"nothing sent", []Sample{{ServerCPU: time.Second}}, 0},
		// A round whose reading failed would count its requests without
		// its CPU: no figure rather than a low one.
		{"a round's reading failed", []Sample{{Latencies: answered(10), ServerCPU: time.Second}, {Latencies: answered(30), ServerCPUFailed: true}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Sample
			for _, r := range tc.rounds {
				s.Add(r)
			}
			if got := s.Stats().ServerCPUUs; got != tc.want {
				t.Errorf("got %v µs per request, want %v", got, tc.want)
			}
		})
	}
}

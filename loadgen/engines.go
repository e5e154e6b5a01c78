package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EnginesOptions configure Engines: kmsgate on bbolt against kmsgate on
// etcd (one local member), loaded alike in one run.
type EnginesOptions struct {
	Kmsgate, Etcd string
	Clients       int
	Duration      time.Duration // per operation and engine, cut into Rounds
	Warmup        time.Duration
	Rounds        int
	Blobs         int
}

// engineOps are the operations Engines measures.
func engineOps() []string { return []string{OpGenerateDataKey, OpDecrypt, "CreateKey"} }

// EnginesReport is what Engines measured.
type EnginesReport struct {
	Kmsgate      string     `json:"kmsgate"`
	Etcd         string     `json:"etcd"`
	Clients      int        `json:"clients"`
	PhaseSeconds float64    `json:"phaseSeconds"`
	Operations   []EngineOp `json:"operations"`
}

// EngineOp is one operation on both engines.
type EngineOp struct {
	Operation string  `json:"operation"`
	Bbolt     Stats   `json:"bbolt"`
	EtcdStats Stats   `json:"etcd"`
	Ratio     float64 `json:"ratio"` // etcd req/s / bbolt req/s
}

// WriteText prints the report as a table.
func (r *EnginesReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "kmsgate %s, etcd %s, %d clients, %.1fs a phase\n\n", r.Kmsgate, r.Etcd, r.Clients, r.PhaseSeconds)
	fmt.Fprintf(&b, "| operation | bbolt req/s | bbolt p50 | bbolt p99 | etcd req/s | etcd p50 | etcd p99 | etcd/bbolt |\n|---|---|---|---|---|---|---|---|\n")
	for _, o := range r.Operations {
		fmt.Fprintf(&b, "| %s | %.0f | %.2f ms | %.2f ms | %.0f | %.2f ms | %.2f ms | %.3f |\n", o.Operation,
			o.Bbolt.ReqPerSec, o.Bbolt.P50Ms, o.Bbolt.P99Ms, o.EtcdStats.ReqPerSec, o.EtcdStats.P50Ms, o.EtcdStats.P99Ms, o.Ratio)
		for _, s := range []Stats{o.Bbolt, o.EtcdStats} {
			if s.Errors > 0 {
				fmt.Fprintf(&b, "  %s: %d errors, first: %s\n", o.Operation, s.Errors, s.FirstError)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Engines starts one etcd member (data in a temporary directory, free
// loopback ports), kmsgate on an ephemeral bbolt store and kmsgate on a
// store in that etcd, and loads both with GenerateDataKey, Decrypt and CreateKey in rounds,
// alternating which goes first so that drift hits both alike.
func Engines(ctx context.Context, o EnginesOptions, progress io.Writer) (*EnginesReport, error) {
	dir, err := os.MkdirTemp("", "loadgen-engines-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	etcd, err := startEtcd(o.Etcd, dir, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer etcd.Stop()
	keyFile := filepath.Join(dir, "root.key")
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	client := NewClient(o.Clients)
	engines := [][]string{
		{"serve", "--ephemeral"},
		{"serve", "--store", "etcd://" + etcd.Addr + "/loadgen", "--init", "--root-key-file", keyFile},
	}
	targets := make([]Target, 2)
	calls := make([]map[string]Call, 2)
	for i, args := range engines {
		addr, err := FreeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		if targets[i], err = NewTarget(addr, client); err != nil {
			return nil, err
		}
		probe := Target{URL: targets[i].URL, Client: NewClient(1)}
		proc, err := StartServer(ctx, o.Kmsgate, append(args, "--log-level", "warn", "--listen", addr), addr, probe, 30*time.Second)
		if err != nil {
			return nil, err
		}
		defer proc.Stop()
		fix, err := Setup(ctx, targets[i], o.Blobs, rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("setting up on %s: %w", args[1], err)
		}
		if calls[i], err = fix.Calls(rand.Reader); err != nil {
			return nil, err
		}
		calls[i]["CreateKey"] = Call{Op: "CreateKey", Bodies: [][]byte{[]byte(`{"Description":"loadgen engines"}`)}}
	}
	rep := &EnginesReport{Kmsgate: o.Kmsgate, Etcd: o.Etcd + " (one member, data in a temporary directory)", Clients: o.Clients, PhaseSeconds: o.Duration.Seconds()}
	round := Phase{Clients: o.Clients, Duration: o.Duration / time.Duration(o.Rounds), MaxRequests: 5_000_000}
	for _, op := range engineOps() {
		warm := Phase{Clients: o.Clients, Duration: o.Warmup, MaxRequests: 5_000_000}
		if op == "CreateKey" {
			warm.Duration = 0
		}
		sides := Alternate(ctx, targets, []Call{calls[0][op], calls[1][op]}, o.Rounds, round, warm)
		if ctx.Err() != nil {
			return nil, errors.New("interrupted")
		}
		b, e := sides[0].Stats(), sides[1].Stats()
		res := EngineOp{Operation: op, Bbolt: b, EtcdStats: e}
		if b.ReqPerSec > 0 {
			res.Ratio = round3(e.ReqPerSec / b.ReqPerSec)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: bbolt %.0f req/s, etcd %.0f req/s\n", op, b.ReqPerSec, e.ReqPerSec)
		}
		rep.Operations = append(rep.Operations, res)
	}
	return rep, nil
}

// startEtcd starts one etcd member with its data under dir, on free
// loopback ports, and waits until its client port accepts connections.
func startEtcd(bin, dir string, timeout time.Duration) (*Server, error) {
	client, err := FreeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	peer, err := FreeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: client, stderr: &limitedBuffer{max: 64 << 10}, done: make(chan struct{})}
	s.Cmd = exec.Command(bin, "--name", "loadgen", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", "http://"+client, "--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer, "--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "loadgen=http://"+peer, "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn")
	s.Cmd.Stdout, s.Cmd.Stderr = s.stderr, s.stderr
	if err := s.Cmd.Start(); err != nil {
		return nil, fmt.Errorf("start etcd (%s; Debian: apt-get install etcd-server): %w", bin, err)
	}
	go func() {
		s.err = s.Cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(timeout)
	for {
		if c, err := net.DialTimeout("tcp", client, time.Second); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("etcd exited at start-up (%v): %s", s.err, strings.TrimSpace(s.stderr.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("etcd did not listen on %s within %v", client, timeout)
		}
	}
}

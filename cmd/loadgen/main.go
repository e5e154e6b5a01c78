// Command loadgen measures kmsgate under load against the floor (a minimal
// handler on the same HTTP stack, run as its own process) and prints req/s,
// p50 and p99 of GenerateDataKey, Encrypt and Decrypt on both, their ratio,
// kmsgate's peak RSS and its time from process start to first answer.
//
//	loadgen [--kmsgate ./bin/kmsgate] [--duration 5s] [--clients 16] [--json]
//	loadgen --gate [--gate-checks verify,enforce|verify|enforce|none]  (signed requests, the seed policy)
//	loadgen floor --listen 127.0.0.1:0
//	loadgen fill --data PATH --keys N       (a large store, for scale)
//	loadgen scale --data PATH --keys N [--kmsgate BIN] [--json]
//	loadgen engines [--kmsgate BIN] [--etcd BIN] [--json]  (bbolt against etcd)
//
// The floor sub-mode prints its address as its first line. Every request
// goes to loopback.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/kmsgate/kmsgate/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "floor":
			return runFloor(args[1:], stdout, stderr)
		case "fill":
			return runFill(args[1:], stdout, stderr)
		case "scale":
			return runScale(args[1:], stdout, stderr)
		case "engines":
			return runEngines(args[1:], stdout, stderr)
		}
	}
	return runBench(args, stdout, stderr)
}

// runFloor serves the floor until interrupted.
func runFloor(args []string, stdout, stderr io.Writer) int {
	const name = "floor"
	fs := flag.NewFlagSet("loadgen "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, err := loadgen.NewTarget(*listen, nil); err != nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", name, err)
		return 2
	}
	floor, err := loadgen.NewFloor(rand.Reader)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", name, err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintln(stdout, ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	if err := loadgen.Serve(ln, floor); err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", name, err)
		return 1
	}
	return 0
}

// options are the benchmark's flags.
type options struct {
	kmsgate     string
	duration    time.Duration
	warmup      time.Duration
	clients     int
	maxRequests int
	blobs       int
	rounds      int
	starts      int
	json        bool
	gate        bool
	gateChecks  string
	// gateAuth and gatePolicyMode are kmsgate's --auth and --policy-mode
	// under --gate, read from gateChecks.
	gateAuth, gatePolicyMode string
}

func runBench(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.kmsgate, "kmsgate", "./bin/kmsgate", "kmsgate binary to start with serve --ephemeral")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured phase")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured load before each phase")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients")
	fs.IntVar(&o.maxRequests, "max-requests", 5_000_000, "most requests in one phase")
	fs.IntVar(&o.blobs, "blobs", 8, "ciphertexts made for Decrypt")
	fs.IntVar(&o.rounds, "rounds", 5, "each phase is cut into this many rounds, alternating kmsgate and floor, so drift hits both alike")
	fs.IntVar(&o.starts, "starts", 5, "times kmsgate is started to measure start-up (the median is reported)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.gate, "gate", false, "run kmsgate with --auth verify --policy-mode enforce, the seed's policy as the caller's only identity policy, and sign every request to both sides (SigV4; the floor reads the same requests and checks nothing); GenerateDataKey names the key by alias/jumpwire/loadgen")
	fs.StringVar(&o.gateChecks, "gate-checks", "verify,enforce", "with --gate, what kmsgate checks: verify, enforce, both (comma-separated) or none (signed requests, nothing checked): the cost of each part")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadgen [flags]\n       loadgen floor --listen 127.0.0.1:0\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var err error
	if o.gateAuth, o.gatePolicyMode, err = gateChecks(o.gateChecks); err != nil {
		fmt.Fprintf(stderr, "loadgen: --gate-checks: %v\n", err)
		return 2
	}
	if o.clients < 1 || o.duration <= 0 || o.warmup < 0 || o.maxRequests < 1 || o.blobs < 1 || o.rounds < 1 || o.starts < 1 {
		fmt.Fprintln(stderr, "loadgen: --clients, --duration, --max-requests, --blobs, --rounds and --starts must be positive")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if err := writeReport(stdout, rep, o.json); err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	return 0
}

// bench starts the floor and kmsgate, loads each with every operation in
// turn and reports.
func bench(ctx context.Context, o options, progress io.Writer) (*loadgen.Report, error) {
	if _, err := os.Stat(o.kmsgate); err != nil {
		return nil, fmt.Errorf("kmsgate binary: %v (build it, or pass --kmsgate PATH)", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	client := loadgen.NewClient(o.clients)

	floorProc, err := loadgen.StartFloor(self, []string{"floor", "--listen", "127.0.0.1:0"}, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer floorProc.Stop()
	floor, err := loadgen.NewTarget(floorProc.Addr, client)
	if err != nil {
		return nil, err
	}
	floor.CPU = floorProc.CPU

	// kmsgate is started --starts times to measure start-up; the last
	// process stays for the load.
	var (
		kproc  *loadgen.Server
		kt     loadgen.Target
		starts []time.Duration
	)
	serveArgs := []string{"serve", "--ephemeral", "--log-level", "warn"}
	var sign func(*http.Request, string, []byte) error
	if o.gate {
		dir, err := os.MkdirTemp("", "loadgen-gate-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		principals, err := loadgen.WriteGateFiles(dir)
		if err != nil {
			return nil, err
		}
		serveArgs = append(serveArgs, "--auth", o.gateAuth, "--policy-mode", o.gatePolicyMode, "--principals", principals)
		sign = loadgen.NewSigV4(loadgen.GateAccessKeyID, loadgen.GateSecret, "us-east-1").Sign
		// The floor gets the same signed requests: both sides read the
		// same bytes, so the ratio charges kmsgate only for what it does
		// with them.
		floor.Sign = sign
	}
	for i := range o.starts {
		addr, err := loadgen.FreeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		if kt, err = loadgen.NewTarget(addr, client); err != nil {
			return nil, err
		}
		kt.Sign = sign
		// The first-answer poll uses its own client so that the measured
		// client's pool starts clean.
		probe := loadgen.Target{URL: kt.URL, Client: loadgen.NewClient(1)}
		kproc, err = loadgen.StartServer(ctx, o.kmsgate, append(serveArgs, "--listen", addr), addr, probe, 10*time.Second)
		if err != nil {
			return nil, err
		}
		starts = append(starts, kproc.StartToAnswer)
		if i < o.starts-1 {
			kproc.Stop()
		}
	}
	defer kproc.Stop()
	kt.CPU = kproc.CPU

	alias := ""
	if o.gate {
		alias = "alias/jumpwire/loadgen"
	}
	fix, err := loadgen.SetupWithAlias(ctx, kt, o.blobs, rand.Reader, alias)
	if err != nil {
		return nil, fmt.Errorf("setting up on kmsgate: %w", err)
	}
	calls, err := fix.Calls(rand.Reader)
	if err != nil {
		return nil, err
	}

	rep := &loadgen.Report{Kmsgate: o.kmsgate, Clients: o.clients, PhaseSeconds: o.duration.Seconds()}
	// Issue 2's targets are the unchecked server's; issue 9's is for
	// verify and enforce together; a part alone has none.
	ratioTargets := loadgen.RatioTargets(false)
	if o.gate {
		ratioTargets = nil
		if o.gateAuth == "verify" && o.gatePolicyMode == "enforce" {
			ratioTargets = loadgen.RatioTargets(true)
		}
		rep.Kmsgate += " (--gate: --auth " + o.gateAuth + " --policy-mode " + o.gatePolicyMode + ", seed policy, both sides get the same signed requests)"
	}
	rep.SetStart(starts)
	round := loadgen.Phase{Clients: o.clients, Duration: o.duration / time.Duration(o.rounds), MaxRequests: o.maxRequests / o.rounds}
	warm := loadgen.Phase{Clients: o.clients, Duration: o.warmup, MaxRequests: o.maxRequests}
	targets := []loadgen.Target{kt, floor}
	names := []string{"kmsgate", "floor"}
	for _, op := range loadgen.Ops {
		sides := loadgen.Alternate(ctx, targets, []loadgen.Call{calls[op], calls[op]}, o.rounds, round, warm)
		if ctx.Err() != nil {
			return nil, errors.New("interrupted")
		}
		k, f := sides[0].Stats(), sides[1].Stats()
		fmt.Fprintf(progress, "%s: %s %.0f req/s, %s %.0f req/s\n", op, names[0], k.ReqPerSec, names[1], f.ReqPerSec)
		rep.Operations = append(rep.Operations, loadgen.NewOpReport(op, k, f, ratioTargets))
	}
	krss, err := kproc.PeakRSS()
	if err != nil {
		return nil, fmt.Errorf("kmsgate RSS: %w", err)
	}
	frss, err := floorProc.PeakRSS()
	if err != nil {
		return nil, fmt.Errorf("floor RSS: %w", err)
	}
	rep.SetRSS(krss, frss)
	return rep, nil
}

// gateChecks reads --gate-checks: kmsgate's --auth and --policy-mode.
func gateChecks(s string) (auth, mode string, err error) {
	auth, mode = "off", "off"
	if s == "none" {
		return auth, mode, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		switch strings.TrimSpace(part) {
		case "verify":
			auth = "verify"
		case "enforce":
			mode = "enforce"
		default:
			return "", "", fmt.Errorf("unknown check %q (verify, enforce, verify,enforce or none)", part)
		}
	}
	return auth, mode, nil
}

// runReport runs a verb's measurement under a context that an interrupt
// cancels and prints its report; the exit code.
func runReport[R interface{ WriteText(io.Writer) error }](verb string, stdout, stderr io.Writer, asJSON bool, measure func(context.Context) (R, error)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := measure(ctx)
	if err == nil {
		err = writeReport(stdout, rep, asJSON)
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", verb, err)
		return 1
	}
	return 0
}

// writeReport prints a report as indented JSON or as its text table.
func writeReport(w io.Writer, rep interface{ WriteText(io.Writer) error }, asJSON bool) error {
	if !asJSON {
		return rep.WriteText(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kmsgate/kmsgate/loadgen"
)

// runEngines measures kmsgate on bbolt against kmsgate on etcd in one run.
func runEngines(args []string, stdout, stderr io.Writer) int {
	var o loadgen.EnginesOptions
	fs := flag.NewFlagSet("loadgen engines", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Kmsgate, "kmsgate", "./bin/kmsgate", "kmsgate binary")
	fs.StringVar(&o.Etcd, "etcd", "/usr/bin/etcd", "etcd binary (Debian's etcd-server)")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "length of each measured operation on each engine")
	fs.DurationVar(&o.Warmup, "warmup", 500*time.Millisecond, "unmeasured load before each operation (not for CreateKey)")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent clients")
	fs.IntVar(&o.Rounds, "rounds", 5, "each phase is cut into this many rounds, alternating the engines")
	fs.IntVar(&o.Blobs, "blobs", 8, "ciphertexts made for Decrypt")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || o.Clients < 1 || o.Duration <= 0 || o.Rounds < 1 || o.Blobs < 1 || o.Warmup < 0 {
		fmt.Fprintln(stderr, "usage: loadgen engines [--kmsgate BIN] [--etcd BIN] [--duration 5s] [--clients 16] [--rounds 5] [--json]")
		return 2
	}
	return runReport("engines", stdout, stderr, *asJSON, func(ctx context.Context) (*loadgen.EnginesReport, error) {
		return loadgen.Engines(ctx, o, stderr)
	})
}

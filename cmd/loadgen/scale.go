package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/kmsgate/kmsgate/loadgen"
)

// runFill makes a large store for the scale benchmark.
func runFill(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen fill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "store file to make or complete (its root key goes beside it, <data>.rootkey, as kmsgate serve --data expects)")
	keys := fs.Int("keys", 100_000, "keys (each with one alias) the store holds afterwards")
	batch := fs.Int("batch", 10_000, "keys a seed transaction")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || *keys < 1 || *batch < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: loadgen fill --data PATH [--keys N] [--batch N]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	res, err := loadgen.Fill(ctx, *data, *keys, *batch, progress)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen fill: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "filled %s: %d keys in %d transactions, %v (%.0f keys/s); store %.1f MiB; a sweep with nothing due took %v, of it in write transactions %v\n",
		*data, res.Keys, res.Transactions, res.Took.Round(time.Millisecond), float64(res.Keys)/res.Took.Seconds(),
		float64(res.StoreBytes)/(1<<20), res.SweepNoneDue, res.SweepWriteLock)
	return 0
}

// runScale measures kmsgate serving a store made by fill.
func runScale(args []string, stdout, stderr io.Writer) int {
	var o loadgen.ScaleOptions
	fs := flag.NewFlagSet("loadgen scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Kmsgate, "kmsgate", "./bin/kmsgate", "kmsgate binary (started with serve --data)")
	fs.StringVar(&o.Data, "data", "", "store made by loadgen fill")
	fs.IntVar(&o.Keys, "keys", 0, "keys loadgen fill made in it")
	fs.IntVar(&o.Clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&o.Duration, "duration", 3*time.Second, "length of each measured operation")
	fs.DurationVar(&o.Warmup, "warmup", 300*time.Millisecond, "unmeasured load before each operation")
	fs.IntVar(&o.Starts, "starts", 5, "times kmsgate is started to measure start-up (the median is reported)")
	fs.StringVar(&o.Check, "check", "", "kmsgate's --check: quick (its default; the page walk runs in the background and is measured), full or off")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.Data == "" || o.Keys < 1 || o.Clients < 1 || o.Duration <= 0 || o.Starts < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: loadgen scale --data PATH --keys N [--kmsgate BIN] [--clients N] [--duration D] [--starts N] [--json]")
		return 2
	}
	return runReport("scale", stdout, stderr, *asJSON, func(ctx context.Context) (*loadgen.ScaleReport, error) {
		return loadgen.Scale(ctx, o, stderr)
	})
}

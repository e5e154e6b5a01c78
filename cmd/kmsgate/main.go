// Command kmsgate serves the AWS KMS JSON protocol (emulator or policy proxy)
// and carries the policy and envelope tools. This file only wires: every
// sub-command lives in its own file.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one sub-command: run gets the arguments after its name and
// returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "serve the KMS API (emulator on a bbolt store)", runServe},
		{"backup", "copy the store of a running (--url) or stopped (--data) kmsgate", runBackup},
		{"healthcheck", "ask a running kmsgate whether it is healthy", runHealthcheck},
		{"version", "print the version", runVersion},
		{"policy", "simulate, lint, generate and report IAM/KMS policies", runPolicy},
		{"envelope", "encrypt and decrypt with the envelope scheme", runEnvelope},
	}
}

func main() {
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	// A close can be the first to report a failed write (a full disk on
	// some file systems): the output is lost, so the command failed.
	if err := os.Stdout.Close(); err != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "kmsgate: writing the output: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// run runs the command args name. Every write to stdout is checked: when
// one fails (kmsgate envelope decrypt > /dev/full), the output is lost and
// run returns 1 whatever the command returned.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	code := runCommand(args, stdin, out, stderr)
	if out.err != nil {
		fmt.Fprintf(stderr, "kmsgate: writing the output: %v\n", out.err)
		return 1
	}
	return code
}

// checkedWriter remembers the first failed write; every write after it
// fails with the same error.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}

func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-v" || args[0] == "-version" {
		return runVersion(args[1:], stdin, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kmsgate: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kmsgate <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'kmsgate <command> --help' for a command's flags; 'kmsgate --version' (or -v) prints the version.")
}

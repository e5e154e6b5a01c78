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
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
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

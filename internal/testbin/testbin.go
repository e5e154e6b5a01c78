// Package testbin builds the kmsgate command once per test binary, for the
// black-box tests that run it as a process (the AWS CLI tests, the policy and
// envelope CLI tests, the load generator's test).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main builds the command in pkgDir (relative to the test's package, e.g.
// "../cmd/kmsgate") into a temporary directory, stores the binary's path in
// *bin, runs the tests and exits with their code. Call it from TestMain.
func Main(m *testing.M, pkgDir string, bin *string) {
	dir, err := os.MkdirTemp("", "kmsgate-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		os.Exit(2)
	}
	*bin = filepath.Join(dir, "kmsgate")
	// Built as `make build` and `make install` build it (static, paths
	// trimmed), which also lets make install in a test reuse these packages
	// from the build cache.
	build := exec.Command("go", "build", "-trimpath", "-o", *bin, pkgDir)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "testbin: go build %s: %v\n", pkgDir, err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	// Every temporary file of the tests and of the processes they start
	// (a `serve --ephemeral` store, even one of a server that had to be
	// killed) lands in dir, which is removed below: nothing is left in the
	// system's temporary directory.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	os.Setenv("TMPDIR", tmp)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

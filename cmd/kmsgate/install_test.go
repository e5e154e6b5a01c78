package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeInstallPutsAVersionedKmsgateInGOBIN runs the README's install
// step, `make install`, into a temporary GOBIN.
func TestMakeInstallPutsAVersionedKmsgateInGOBIN(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed: %v", err)
	}
	gobin := t.TempDir()
	cmd := exec.Command("make", "-C", "../..", "install", "VERSION=v0.0.0-installtest")
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	bin := filepath.Join(gobin, "kmsgate")
	if !strings.Contains(string(out), "installed "+bin) {
		t.Errorf("make install does not say where it installed (%s):\n%s", bin, out)
	}
	got, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, got)
	}
	if want := "kmsgate v0.0.0-installtest\n"; string(got) != want {
		t.Errorf("installed kmsgate --version: got %q, want %q", got, want)
	}
}

// TestMakeDockerPassesTheVersion: `make docker` hands VERSION to the
// Dockerfile, whose build stamps it into the binary.
func TestMakeDockerPassesTheVersion(t *testing.T) {
	out, err := exec.Command("make", "-C", "../..", "-n", "docker", "VERSION=v7.7.7").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n docker: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "docker build --build-arg VERSION=v7.7.7 -t kmsgate:v7.7.7 .") {
		t.Errorf("make docker does not pass VERSION as a build argument:\n%s", out)
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ARG VERSION", "-X main.version=${VERSION}"} {
		if !strings.Contains(string(dockerfile), want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
}

// TestDockerignoreKeepsSecretsAndHistoryOutOfTheBuildContext: the build
// context must not carry .git, built binaries, local stores or root keys.
func TestDockerignoreKeepsSecretsAndHistoryOutOfTheBuildContext(t *testing.T) {
	b, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	for _, want := range []string{".git", "bin", "kmsgate", "**/*.db", "**/*.rootkey", "**/node_modules"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %q (has %q)", want, patterns)
		}
	}
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			t.Errorf(".dockerignore re-includes %q: check it carries no store or key", p)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEverySubcommandAnswersHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve"}, {"backup"}, {"healthcheck"}, {"version"}, {"policy"}, {"policy", "simulate"}, {"policy", "lint"},
		{"envelope"}, {"envelope", "encrypt"}, {"envelope", "decrypt"},
	} {
		name := strings.Join(args, " ")
		t.Run(name+" --help exits 0 with its usage", func(t *testing.T) {
			cmd := exec.Command(kmsgateBin, append(args, "--help")...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if err != nil {
				t.Errorf("got %v, want exit 0; output:\n%s", err, out.String())
			}
			if !strings.Contains(strings.ToLower(out.String()), "usage") {
				t.Errorf("got no usage text:\n%s", out.String())
			}
		})
	}
	t.Run("an unknown command exits 2 and lists the commands", func(t *testing.T) {
		var out bytes.Buffer
		cmd := exec.Command(kmsgateBin, "frobnicate")
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(out.String(), "serve") {
			t.Errorf("got %v and %q, want exit 2 with the command list", err, out.String())
		}
	})
}

// TestREADMEConfigurationTableListsEveryServeFlag keeps the README's
// configuration table and `kmsgate serve --help` in step: every flag with
// its variable and default.
func TestREADMEConfigurationTableListsEveryServeFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag -> "| `--flag` | `ENV` | `default` |" row
	for _, line := range strings.Split(string(readme), "\n") {
		if m := readmeFlagRow.FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(kmsgateBin, "serve", "--help")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("serve --help: %v\n%s", err, out.String())
	}
	flags := helpFlag.FindAllStringSubmatch(out.String(), -1)
	if len(flags) < 10 {
		t.Fatalf("got %d flags from serve --help, want the whole list:\n%s", len(flags), out.String())
	}
	for _, f := range flags {
		name, env, def := f[1], f[2], f[3]
		row, ok := rows[name]
		if !ok {
			t.Errorf("README's configuration table has no row for --%s", name)
			continue
		}
		if !strings.Contains(row, "`"+env+"`") {
			t.Errorf("README row for --%s does not name $%s: %s", name, env, row)
		}
		if def != "" && !strings.Contains(row, "`"+def+"`") && !rowHasDuration(row, def) {
			t.Errorf("README row for --%s does not give the default %q: %s", name, def, row)
		}
	}
}

// rowHasDuration reports whether a backticked cell of row is the duration
// def written another way (1m for 1m0s).
func rowHasDuration(row, def string) bool {
	want, err := time.ParseDuration(def)
	if err != nil {
		return false
	}
	for _, cell := range strings.Split(row, "`") {
		if d, err := time.ParseDuration(cell); err == nil && d == want {
			return true
		}
	}
	return false
}

var (
	readmeFlagRow = regexp.MustCompile("^\\| `--([a-z-]+)` \\|")
	helpFlag      = regexp.MustCompile(`(?m)^  --([a-z-]+) \[\$([A-Z_]+)\]\n\s+.*\(default "([^"]*)"\)$`)
)

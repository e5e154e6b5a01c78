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

// TestServeHelpListsEveryREADMEConfigurationRow is the other direction:
// every row of the README's configuration table, flags and variables read
// only from the environment (KMSGATE_ROOT_KEY, GOGC), is in serve --help.
func TestServeHelpListsEveryREADMEConfigurationRow(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(kmsgateBin, "serve", "--help")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("serve --help: %v\n%s", err, out.String())
	}
	help := out.String()
	flags := map[string]bool{}
	for _, f := range helpFlag.FindAllStringSubmatch(help, -1) {
		flags[f[1]] = true
	}
	envOnly := map[string]string{} // variable -> default
	for _, m := range helpEnvOnly.FindAllStringSubmatch(help, -1) {
		envOnly[m[1]] = m[2]
	}
	var sawEnvRows int
	for _, line := range strings.Split(string(readme), "\n") {
		if m := readmeFlagRow.FindStringSubmatch(line); m != nil && !flags[m[1]] {
			t.Errorf("README names --%s, serve --help does not:\n%s", m[1], line)
		}
		if m := readmeEnvRow.FindStringSubmatch(line); m != nil {
			sawEnvRows++
			def, ok := envOnly[m[1]]
			if !ok {
				t.Errorf("README names $%s, serve --help does not:\n%s", m[1], line)
				continue
			}
			if def != "" && !strings.Contains(line, "`"+def+"`") {
				t.Errorf("README row for $%s does not give serve --help's default %q: %s", m[1], def, line)
			}
		}
	}
	if sawEnvRows < 2 {
		t.Errorf("got %d environment-only rows in the README, want KMSGATE_ROOT_KEY and GOGC at least", sawEnvRows)
	}
	for name := range envOnly {
		if !strings.Contains(string(readme), "| - | `"+name+"` |") {
			t.Errorf("serve --help lists $%s, the README's table does not", name)
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
	readmeEnvRow  = regexp.MustCompile("^\\| - \\| `([A-Z_]+)` \\|")
	helpEnvOnly   = regexp.MustCompile(`(?m)^  \$([A-Z_]+)\n\s+.*\(default "([^"]*)"\)$`)
	helpFlag      = regexp.MustCompile(`(?m)^  --([a-z-]+) \[\$([A-Z_]+)\]\n\s+.*\(default "([^"]*)"\)$`)
)

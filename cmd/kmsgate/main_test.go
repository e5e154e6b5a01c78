package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestEverySubcommandAnswersHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve"}, {"healthcheck"}, {"version"}, {"policy"}, {"policy", "simulate"}, {"policy", "lint"},
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

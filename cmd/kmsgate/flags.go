package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// envFlags builds a FlagSet whose defaults come from KMSGATE_* variables, and
// whose --help lists each flag with its variable.
type envFlags struct {
	fs      *flag.FlagSet
	badEnv  []string
	getenv  func(string) string
	envName map[string]string
	envOnly []envVar
}

// envVar is a setting read only from the environment (no flag).
type envVar struct{ name, def, usage string }

func newEnvFlags(name, synopsis string, stderr io.Writer, getenv func(string) string) *envFlags {
	if getenv == nil {
		getenv = os.Getenv
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv, envName: map[string]string{}}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: kmsgate %s\n\nflags (each also read from its environment variable):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			env := ""
			if v := e.envName[f.Name]; v != "" {
				env = " [$" + v + "]"
			}
			fmt.Fprintf(w, "  --%s%s\n        %s (default %q)\n", f.Name, env, f.Usage, f.DefValue)
		})
		if len(e.envOnly) > 0 {
			fmt.Fprintf(w, "\nenvironment only (no flag):\n")
			for _, v := range e.envOnly {
				fmt.Fprintf(w, "  $%s\n        %s (default %q)\n", v.name, v.usage, v.def)
			}
		}
	}
	return e
}

// EnvOnly documents a variable read from the environment with no flag, so
// that --help lists it; def is what applies when it is unset.
func (e *envFlags) EnvOnly(name, def, usage string) {
	e.envOnly = append(e.envOnly, envVar{name, def, usage})
}

func (e *envFlags) String(p *string, name, env, def, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		def = v
	}
	e.fs.StringVar(p, name, def, usage)
}

func (e *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.badEnv = append(e.badEnv, fmt.Sprintf("$%s=%q is not a boolean", env, v))
		} else {
			def = b
		}
	}
	e.fs.BoolVar(p, name, def, usage)
}

func (e *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.badEnv = append(e.badEnv, fmt.Sprintf("$%s=%q is not a duration", env, v))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(p, name, def, usage)
}

func (e *envFlags) Int64(p *int64, name, env string, def int64, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.badEnv = append(e.badEnv, fmt.Sprintf("$%s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	e.fs.Int64Var(p, name, def, usage)
}

func (e *envFlags) Int(p *int, name, env string, def int, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.badEnv = append(e.badEnv, fmt.Sprintf("$%s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(p, name, def, usage)
}

// parse parses args; it returns the exit code to use when it fails (0 for
// --help), and ok=false then.
func (e *envFlags) parse(args []string, stderr io.Writer) (code int, ok bool) {
	if err := parseFlags(e.fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	if len(e.badEnv) > 0 {
		for _, m := range e.badEnv {
			fmt.Fprintf(stderr, "kmsgate %s: %s\n", e.fs.Name(), m)
		}
		return 2, false
	}
	if e.fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kmsgate %s: unexpected argument %q\n", e.fs.Name(), e.fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// parseFlags is fs.Parse, with what the flag package prints (the error and a
// default usage) rewritten to name flags with two dashes, as kmsgate's help
// and README do: "flag provided but not defined: --port", not "-port".
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if buf.Len() > 0 {
		_, _ = out.Write(singleDashFlag.ReplaceAll(buf.Bytes(), []byte("$1--$2")))
	}
	return err
}

// singleDashFlag is a flag name written with one dash by the flag package:
// at a line start ("  -port int") or after a space ("...not defined: -port",
// "for flag -max-body: ...").
var singleDashFlag = regexp.MustCompile(`(?m)(^ *|[ \t])-([A-Za-z][A-Za-z0-9_-]*)`)

// List is a repeatable string flag whose variable holds the values
// comma-separated; flags given on the command line replace the variable's.
func (e *envFlags) List(p *[]string, name, env, usage string) {
	e.envName[name] = env
	if v := e.getenv(env); v != "" {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				*p = append(*p, part)
			}
		}
	}
	e.fs.Var(&listValue{p: p}, name, usage)
}

// listValue is the flag.Value of List: the first value given on the command
// line drops the variable's.
type listValue struct {
	p       *[]string
	flagSet bool
}

func (l *listValue) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listValue) Set(v string) error {
	if !l.flagSet {
		*l.p, l.flagSet = nil, true
	}
	*l.p = append(*l.p, v)
	return nil
}

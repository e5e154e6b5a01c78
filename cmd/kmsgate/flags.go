package main

import (
	"flag"
	"fmt"
	"io"
	"os"
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
}

func newEnvFlags(name, synopsis string, stderr io.Writer, getenv func(string) string) *envFlags {
	if getenv == nil {
		getenv = os.Getenv
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv, envName: map[string]string{}}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kmsgate %s\n\nflags (each also read from its environment variable):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			env := ""
			if v := e.envName[f.Name]; v != "" {
				env = " [$" + v + "]"
			}
			fmt.Fprintf(stderr, "  --%s%s\n        %s (default %q)\n", f.Name, env, f.Usage, f.DefValue)
		})
	}
	return e
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
	if err := e.fs.Parse(args); err != nil {
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

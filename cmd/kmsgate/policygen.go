package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/policygen"
)

const policyGenUsage = `  kmsgate policy generate --from FILE [--from FILE ...] [--principal ARN] [--out FILE]
                          [--account ID] [--region REGION] [--exact] [--context-conditions] [--check]
  kmsgate policy report --from FILE [--from FILE ...] [--format text|markdown|junit]
                        [--account ID] [--region REGION]
`

const policyGenHelp = `generate reads decision logs (serve --decision-log, JSON Lines; - is stdin)
and prints the identity-based policy that allows every recorded call; --check
replays each call through the evaluation of simulate and exits 1 when one is
denied or a statement is needed by no call. report lists the would-deny
decisions of a dry-run by principal, action and resource with the statement
that would allow each; it exits 1 when there is any, 0 otherwise.
`

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$`)
)

// readLogs reads every decision log named, - being stdin.
func readLogs(files []string, stdin io.Reader) ([]authz.LogRecord, error) {
	var all []authz.LogRecord
	for _, f := range files {
		var recs []authz.LogRecord
		var err error
		if f == "-" {
			recs, err = policygen.ReadLog(stdin, "stdin")
		} else {
			var fh *os.File
			fh, err = os.Open(f)
			if err != nil {
				return nil, err
			}
			recs, err = policygen.ReadLog(fh, f)
			fh.Close()
		}
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	return all, nil
}

// arnFields checks --account and --region.
func arnFields(account, region string) error {
	if account != "" && account != "*" && !accountRE.MatchString(account) {
		return fmt.Errorf("--account %q is not a 12-digit account id", account)
	}
	if region != "" && region != "*" && !regionRE.MatchString(region) {
		return fmt.Errorf("--region %q is not a region name such as eu-west-1", region)
	}
	return nil
}

// logFiles checks what generate and report share: the decision logs named
// by --from and as arguments (at least one), and --account / --region.
func logFiles(from, args []string, account, region string) ([]string, error) {
	from = append(from, args...)
	if len(from) == 0 {
		return nil, errors.New("--from FILE is required")
	}
	return from, arnFields(account, region)
}

func runPolicyGenerate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { policyUsage(fs.Output()) }
	var from listFlag
	fs.Var(&from, "from", "decision log `FILE` (repeatable; - is stdin)")
	principal := fs.String("principal", "", "only this caller's calls (`ARN`; a role ARN takes its sessions too)")
	out := fs.String("out", "", "write the policy to `FILE` instead of stdout")
	account := fs.String("account", "", "account `ID` in the key and alias ARNs (default *)")
	region := fs.String("region", "", "`REGION` in the key and alias ARNs (default *)")
	exact := fs.Bool("exact", false, "name every key and alias by its recorded ARN")
	ctxCond := fs.Bool("context-conditions", false, "require the encryption context keys every recorded call of an action used")
	check := fs.Bool("check", false, "replay every recorded call with the policy; exit 1 if one is denied or a statement is not needed")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kmsgate policy generate: "+format+"\n", a...)
		return 2
	}
	from, err := logFiles(from, fs.Args(), *account, *region)
	if err != nil {
		return fail("%v", err)
	}
	recs, err := readLogs(from, stdin)
	if err != nil {
		return fail("%v", err)
	}
	res := policygen.Generate(recs, policygen.Options{Principal: *principal, Account: *account, Region: *region,
		Exact: *exact, ContextConditions: *ctxCond})
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "kmsgate policy generate: warning: %s\n", w)
	}
	if len(res.Document.Statement) == 0 {
		who := "any principal"
		if *principal != "" {
			who = *principal
		}
		return fail("the logs hold no judged call of %s: nothing to allow", who)
	}
	doc := res.Document.JSON()
	if *out != "" {
		if err := os.WriteFile(*out, doc, 0o644); err != nil {
			return fail("%v", err)
		}
	} else if _, err := stdout.Write(doc); err != nil {
		return fail("writing the policy: %v", err)
	}
	if !*check {
		return 0
	}
	rep, err := policygen.Check(res.Document, res.Calls)
	if err != nil {
		return fail("the generated policy does not parse: %v", err)
	}
	w := stderr
	if *out != "" {
		w = stdout
	}
	writeCheck(w, rep)
	if !rep.OK() {
		return 1
	}
	return 0
}

func writeCheck(w io.Writer, rep *policygen.CheckReport) {
	var b strings.Builder
	if len(rep.Denied) == 0 {
		fmt.Fprintf(&b, "check: all %d recorded call(s) allowed by the generated policy\n", rep.Calls)
	} else {
		fmt.Fprintf(&b, "check: FAIL: %d of %d recorded call(s) denied by the generated policy\n", len(rep.Denied), rep.Calls)
		for _, d := range rep.Denied {
			fmt.Fprintf(&b, "check: denied: %s: %s\n", d.Call, d.Message)
		}
	}
	for _, s := range rep.Statements {
		if s.Needed == 0 {
			fmt.Fprintf(&b, "check: FAIL: Statement[%d] (Sid %q) allows no recorded call that the other statements do not\n", s.Index, s.Sid)
			continue
		}
		fmt.Fprintf(&b, "check: Statement[%d] (Sid %q) is needed: without it %d call(s) are denied, first %s\n", s.Index, s.Sid, s.Needed, s.First)
	}
	io.WriteString(w, b.String())
}

func runPolicyReport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { policyUsage(fs.Output()) }
	var from listFlag
	fs.Var(&from, "from", "decision log `FILE` (repeatable; - is stdin)")
	format := fs.String("format", "text", "output `FORMAT`: text, markdown or junit")
	account := fs.String("account", "", "account `ID` in the suggested statements' ARNs (default *)")
	region := fs.String("region", "", "`REGION` in the suggested statements' ARNs (default *)")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kmsgate policy report: "+format+"\n", a...)
		return 2
	}
	from, err := logFiles(from, fs.Args(), *account, *region)
	if err != nil {
		return fail("%v", err)
	}
	var write func(*policygen.Report, io.Writer) error
	switch *format {
	case "text":
		write = (*policygen.Report).WriteText
	case "markdown":
		write = (*policygen.Report).WriteMarkdown
	case "junit":
		write = (*policygen.Report).WriteJUnit
	default:
		return fail("--format %q: want text, markdown or junit", *format)
	}
	recs, err := readLogs(from, stdin)
	if err != nil {
		return fail("%v", err)
	}
	rep := policygen.BuildReport(recs, policygen.Options{Account: *account, Region: *region})
	if err := write(rep, stdout); err != nil {
		return fail("writing the report: %v", err)
	}
	if len(rep.Denied) > 0 {
		return 1
	}
	return 0
}

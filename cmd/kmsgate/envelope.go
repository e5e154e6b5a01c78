package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/envelope"
)

// maxEnvelopeInput bounds what `kmsgate envelope` reads from stdin.
const maxEnvelopeInput = 64 << 20

// runEnvelope is `kmsgate envelope encrypt|decrypt`: the seed's envelope
// scheme against any KMS endpoint. Output goes to stdout only on success.
func runEnvelope(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		envelopeUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "encrypt":
		return runEnvelopeEncrypt(args[1:], stdin, stdout, stderr)
	case "decrypt":
		return runEnvelopeDecrypt(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "kmsgate envelope: unknown verb %q\n", args[0])
	envelopeUsage(stderr)
	return 2
}

func envelopeUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  kmsgate envelope encrypt [--key-name NAME] [--tenant T] [--endpoint URL] [--region R] < plaintext > ciphertext
  kmsgate envelope decrypt [--endpoint URL] [--region R] < ciphertext > plaintext

encrypt seals stdin under a data key of the master key NAME (an alias prefix:
alias/NAME/T, created when missing; or a key id, key ARN or alias ARN) and
writes the text form (`+envelope.TextPrefix+`...) to stdout. decrypt needs no key
name: the ciphertext carries the encrypted data key and the tenant.
--endpoint and --region default to the AWS SDK's own resolution
(AWS_ENDPOINT_URL, AWS_REGION, profiles).
`)
}

type endpointFlags struct {
	endpoint, region string
}

func (f *endpointFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", "", "KMS endpoint URL (default: the SDK's resolution, e.g. AWS_ENDPOINT_URL)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: the SDK's resolution, e.g. AWS_REGION)")
}

// client loads the SDK's default configuration (credentials chain, region,
// AWS_ENDPOINT_URL) and returns a KMS client, with --endpoint and --region
// taking precedence.
func (f *endpointFlags) client(ctx context.Context) (*kms.Client, error) {
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set --region or AWS_REGION")
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = &f.endpoint
		}
	}), nil
}

func readEnvelopeInput(stdin io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, maxEnvelopeInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxEnvelopeInput {
		return nil, fmt.Errorf("stdin is larger than %d bytes", maxEnvelopeInput)
	}
	return b, nil
}

func runEnvelopeEncrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kmsgate envelope encrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyName := fs.String("key-name", envelope.DefaultKeyName, "master key: an alias prefix (alias/NAME/TENANT), or a key id, key ARN or alias ARN")
	tenant := fs.String("tenant", envelope.DefaultTenant, "tenant, in the alias, the encryption context and the ciphertext")
	var ef endpointFlags
	ef.register(fs)
	if code, ok := parseEnvelopeFlags(fs, args, stderr, "plaintext"); !ok {
		return code
	}
	fail := envelopeFailure(stderr, "encrypt")
	ctx := context.Background()
	plaintext, err := readEnvelopeInput(stdin)
	if err != nil {
		return fail(err)
	}
	client, err := ef.client(ctx)
	if err != nil {
		return fail(err)
	}
	env, err := envelope.New(envelope.Config{KMS: client, KeyName: *keyName, Tenant: *tenant, Logf: logTo(stderr)})
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	text, err := env.EncryptText(ctx, plaintext)
	clear(plaintext)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, text)
	return 0
}

func runEnvelopeDecrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kmsgate envelope decrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ef endpointFlags
	ef.register(fs)
	if code, ok := parseEnvelopeFlags(fs, args, stderr, "ciphertext"); !ok {
		return code
	}
	fail := envelopeFailure(stderr, "decrypt")
	ctx := context.Background()
	in, err := readEnvelopeInput(stdin)
	if err != nil {
		return fail(err)
	}
	ct, err := envelope.DecodeText(string(in))
	if err != nil {
		return fail(err)
	}
	client, err := ef.client(ctx)
	if err != nil {
		return fail(err)
	}
	env, err := envelope.New(envelope.Config{KMS: client, Logf: logTo(stderr)})
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	plaintext, _, err := env.DecryptAnyTenant(ctx, ct)
	if err != nil {
		return fail(err)
	}
	stdout.Write(plaintext)
	clear(plaintext)
	return 0
}

// parseEnvelopeFlags parses a verb's flags. ok=false means stop with exit
// code: 0 after --help, 2 for bad usage.
func parseEnvelopeFlags(fs *flag.FlagSet, args []string, stderr io.Writer, input string) (code int, ok bool) {
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (the %s is read from stdin)\n", fs.Name(), fs.Arg(0), input)
		return 2, false
	}
	return 0, true
}

// envelopeFailure prints err after the verb's name, on stderr only, and
// returns exit code 1.
func envelopeFailure(stderr io.Writer, verb string) func(error) int {
	return func(err error) int {
		fmt.Fprintf(stderr, "kmsgate envelope %s: %s\n", verb, strings.TrimPrefix(err.Error(), "envelope: "))
		return 1
	}
}

func logTo(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kmsgate/kmsgate/storage"
)

// backupPath is the admin endpoint a running kmsgate streams its backup from.
const backupPath = "/_kmsgate/backup"

func backupUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  kmsgate backup --url URL --out FILE     hot: from a running kmsgate (GET `+backupPath+`)
  kmsgate backup --data FILE --out FILE   offline: from a store no kmsgate holds

Writes a consistent copy of the store to FILE (refused if FILE exists), then
checks the copy. The copy holds key material sealed under the store's root
key, as the store does: keep the root key file (<data>.rootkey) or
KMSGATE_ROOT_KEY with it. Restore: stop kmsgate, copy FILE to <data> beside
its root key, start kmsgate.

With authentication on (serve --auth verify), the request is signed with
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), which must
be an admin principal's; --region (default $AWS_REGION, else us-east-1) is
the region signed for.

flags:
`)
}

func runBackup(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kmsgate backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "URL of a running kmsgate, e.g. http://127.0.0.1:4599")
	data := fs.String("data", "", "store file of a kmsgate that is not running")
	out := fs.String("out", "", "backup file to write (must not exist)")
	region := fs.String("region", "", "region to sign the request for (default $AWS_REGION, else us-east-1)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: no limit)")
	fs.Usage = func() { backupUsage(stderr); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "kmsgate backup: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *out == "":
		fmt.Fprintln(stderr, "kmsgate backup: --out FILE is required")
		return 2
	case (*url == "") == (*data == ""):
		fmt.Fprintln(stderr, "kmsgate backup: give exactly one of --url (a running kmsgate) or --data (a stopped one's store)")
		return 2
	}
	ctx := context.Background()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	var write func(w io.Writer) (int64, error)
	if *url != "" {
		write = func(w io.Writer) (int64, error) { return fetchBackup(ctx, *url, *region, w) }
	} else {
		write = func(w io.Writer) (int64, error) {
			return storage.BackupFile(*data, func(int64) io.Writer { return w })
		}
	}
	n, err := writeNewFile(*out, write)
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes); keep it with the store's root key\n", *out, n)
	return 0
}

// fetchBackup streams GET URL/_kmsgate/backup into w and checks that the
// whole announced length came.
func fetchBackup(ctx context.Context, base, region string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+backupPath, nil)
	if err != nil {
		return 0, err
	}
	if err := signBackupRequest(ctx, req, region); err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return 0, fmt.Errorf("%s answered %s: %s", req.URL, res.Status, strings.TrimSpace(string(body)))
	}
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("reading the backup after %d bytes: %w", n, err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("the backup was cut short: %d of %d bytes", n, res.ContentLength)
	}
	return n, nil
}

// signBackupRequest signs req with SigV4 (service kms) when AWS credentials
// are in the environment; otherwise it goes unsigned.
func signBackupRequest(ctx context.Context, req *http.Request, region string) error {
	akid, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if akid == "" || secret == "" {
		return nil
	}
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	creds := sdkaws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
	empty := sha256.Sum256(nil)
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "kms", region, time.Now())
}

// writeNewFile writes a backup to a temporary file beside path, syncs it,
// checks it is a sound store, and only then gives it the name path, which
// must not exist. On failure nothing is left behind.
func writeNewFile(path string, write func(io.Writer) (int64, error)) (int64, error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("%s exists; give another --out", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if err := storage.VerifyFile(tmp.Name()); err != nil {
		return n, fmt.Errorf("the copy does not check out: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return n, err
	}
	return n, nil
}

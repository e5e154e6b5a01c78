package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/storage"
)

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestStartRefusesWhatWouldLoseKeys(t *testing.T) {
	ctx := context.Background()
	// withKey makes a store holding one key and returns its config.
	withKey := func(t *testing.T) Config {
		cfg := config(t)
		s := startT(t, cfg)
		if _, err := s.Emulator().CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Run("a missing store beside its root key is refused naming both files", func(t *testing.T) {
		cfg := withKey(t)
		os.Remove(cfg.DataPath)
		_, err := Start(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), cfg.DataPath+" is missing or empty") || !strings.Contains(err.Error(), cfg.DataPath+".rootkey exists") || !strings.Contains(err.Error(), "--init") {
			t.Fatalf("got %v, want a refusal naming the store, its root key and --init", err)
		}
		if got := files(t, filepath.Dir(cfg.DataPath)); len(got) != 1 || got[0] != "kmsgate.db.rootkey" {
			t.Errorf("got files %v after the refusal, want only the root key", got)
		}
	})
	t.Run("an empty store beside its root key is refused", func(t *testing.T) {
		cfg := withKey(t)
		os.Truncate(cfg.DataPath, 0)
		if _, err := Start(ctx, cfg); err == nil || !strings.Contains(err.Error(), "is missing or empty") {
			t.Fatalf("got %v, want a refusal", err)
		}
	})
	t.Run("--init starts a new empty store with the root key kept", func(t *testing.T) {
		cfg := withKey(t)
		key, _ := os.ReadFile(cfg.DataPath + ".rootkey")
		os.Remove(cfg.DataPath)
		cfg.Init = true
		s := startT(t, cfg)
		keys, err := s.Emulator().ListKeys(ctx, &kms.ListKeysInput{})
		if err != nil || len(keys.Keys) != 0 {
			t.Errorf("got %v (%v), want an empty store", keys, err)
		}
		if after, _ := os.ReadFile(cfg.DataPath + ".rootkey"); string(after) != string(key) {
			t.Error("the root key file changed")
		}
	})
	t.Run("a store whose root key file is gone is refused and no root key is written", func(t *testing.T) {
		cfg := withKey(t)
		os.Remove(cfg.DataPath + ".rootkey")
		_, err := Start(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "root key "+cfg.DataPath+".rootkey is missing") {
			t.Fatalf("got %v, want a refusal naming the missing root key", err)
		}
		if _, err := os.Stat(cfg.DataPath + ".rootkey"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v for the root key file, want none written", err)
		}
	})
	t.Run("a port in use leaves no file behind", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		cfg := config(t)
		cfg.Listen = ln.Addr().String()
		if _, err := Start(ctx, cfg); err == nil {
			t.Fatal("got a server on a port in use")
		}
		if got := files(t, filepath.Dir(cfg.DataPath)); len(got) != 0 {
			t.Errorf("got files %v, want none", got)
		}
	})
	t.Run("a failed seed leaves no file behind", func(t *testing.T) {
		cfg := config(t)
		cfg.SeedPath = filepath.Join(t.TempDir(), "seed.yaml")
		// Parses, but fails when applied: the alias names a key that is not there.
		os.WriteFile(cfg.SeedPath, []byte("aliases:\n  - name: alias/x\n    targetKeyId: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e\n"), 0o600)
		if _, err := Start(ctx, cfg); err == nil {
			t.Fatal("got a server with a failing seed")
		}
		if got := files(t, filepath.Dir(cfg.DataPath)); len(got) != 0 {
			t.Errorf("got files %v, want none", got)
		}
	})
	t.Run("a second server on the store names another kmsgate", func(t *testing.T) {
		cfg := config(t)
		startT(t, cfg)
		_, err := Start(ctx, cfg)
		want := "store " + cfg.DataPath + " is in use by another kmsgate (or another program); stop it or use another --data"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %q", err, want)
		}
	})
	t.Run("a truncated store is refused as damaged", func(t *testing.T) {
		cfg := withKey(t)
		os.Truncate(cfg.DataPath, 8192)
		_, err := Start(ctx, cfg)
		var de *storage.DamagedError
		if !errors.As(err, &de) || !strings.HasSuffix(err.Error(), "; restore a backup") {
			t.Fatalf("got %v, want the store refused as damaged", err)
		}
	})
}

// TestDamageWhileServingFailsTheCallOnly cuts the store file short under a
// running server: the calls that read lost pages answer
// KMSInternalException, and the server keeps answering.
func TestDamageWhileServingFailsTheCallOnly(t *testing.T) {
	ctx := context.Background()
	cfg := config(t)
	s := startT(t, cfg)
	var ids []string
	for range 60 {
		out, err := s.Emulator().CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(strings.Repeat("d", 2000))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *out.KeyMetadata.KeyId)
	}
	if err := os.Truncate(cfg.DataPath, 8192); err != nil {
		t.Fatal(err)
	}
	client := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
	internal := 0
	for _, id := range ids {
		_, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		var ie interface{ ErrorCode() string }
		if errors.As(err, &ie) && ie.ErrorCode() == "KMSInternalException" {
			internal++
		}
	}
	if _, err := client.ListKeys(ctx, &kms.ListKeysInput{}); err == nil {
		t.Error("ListKeys over lost pages succeeded, want KMSInternalException")
	}
	if internal == 0 {
		t.Errorf("got no KMSInternalException from %d keys on lost pages", len(ids))
	}
	// Writes over lost pages answer too, one after another: a write that
	// faulted once left the store's writer lock held, so that the next
	// waited forever (and so did the shutdown). Bounded waits.
	for i, id := range ids[:3] {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := client.TagResource(wctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
		cancel()
		var ie interface{ ErrorCode() string }
		if !errors.As(err, &ie) || ie.ErrorCode() != "KMSInternalException" {
			t.Fatalf("write %d (TagResource) over lost pages: got %v, want KMSInternalException within 30 s", i+1, err)
		}
	}
	res, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatalf("the server stopped answering: %v", err)
	}
	res.Body.Close()
}

// rawConn opens a TCP connection to the server.
func rawConn(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer waits (up to a failsafe far beyond the timeouts set) for
// the server to close c.
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

func TestSlowAndIdleClientsAreCut(t *testing.T) {
	cfg := config(t)
	cfg.ReadTimeout, cfg.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond
	s := startT(t, cfg)
	t.Run("a body sent slower than --read-timeout allows is cut", func(t *testing.T) {
		c := rawConn(t, s)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n{")
		if !closedByServer(t, c) {
			t.Error("the connection is still open, want it closed by the server")
		}
	})
	t.Run("headers never finished are cut", func(t *testing.T) {
		c := rawConn(t, s)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\n")
		if !closedByServer(t, c) {
			t.Error("the connection is still open, want it closed by the server")
		}
	})
	t.Run("an idle keep-alive connection is closed after --idle-timeout", func(t *testing.T) {
		c := rawConn(t, s)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("got %v %v, want 200", res, err)
		}
		if !closedByServer(t, c) {
			t.Error("the idle connection is still open, want it closed by the server")
		}
	})
}

func TestMaxConnsMakesNewConnectionsWait(t *testing.T) {
	cfg := config(t)
	cfg.MaxConns = 2
	s := startT(t, cfg)
	get := func(c net.Conn, r *bufio.Reader) error {
		if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	a, b := rawConn(t, s), rawConn(t, s)
	ra, rb := bufio.NewReader(a), bufio.NewReader(b)
	if err := get(a, ra); err != nil {
		t.Fatal(err)
	}
	if err := get(b, rb); err != nil {
		t.Fatal(err)
	}
	third := make(chan error, 1)
	c := rawConn(t, s)
	go func() { third <- get(c, bufio.NewReader(c)) }()
	// The two open connections keep working while the third waits.
	for range 3 {
		if err := get(a, ra); err != nil {
			t.Fatalf("an open connection stopped working: %v", err)
		}
		if err := get(b, rb); err != nil {
			t.Fatalf("an open connection stopped working: %v", err)
		}
	}
	select {
	case err := <-third:
		t.Fatalf("a third connection was answered (%v) with two open and --max-conns 2", err)
	default:
	}
	a.Close()
	if err := <-third; err != nil {
		t.Errorf("the third connection, once one closed: %v", err)
	}
}

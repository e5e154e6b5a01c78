package storage

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// StoreURL is a parsed --store value: bbolt://PATH or
// etcd://HOST:PORT[,HOST:PORT...]/PREFIX.
type StoreURL struct {
	// Kind is "bbolt" or "etcd".
	Kind string
	// Path is the bbolt file.
	Path string
	// Endpoints and Prefix locate an etcd store.
	Endpoints []string
	Prefix    string
}

// ParseStoreURL parses s; a bare path (no scheme) is a bbolt file.
func ParseStoreURL(s string) (StoreURL, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "bbolt", s
	}
	switch scheme {
	case "bbolt":
		if rest == "" {
			return StoreURL{}, fmt.Errorf("store %q: no file: want bbolt://PATH", s)
		}
		return StoreURL{Kind: "bbolt", Path: rest}, nil
	case "etcd":
		hosts, prefix, _ := strings.Cut(rest, "/")
		prefix = strings.Trim(prefix, "/")
		if hosts == "" || prefix == "" {
			return StoreURL{}, fmt.Errorf("store %q: want etcd://HOST:PORT[,HOST:PORT...]/PREFIX (a key prefix is required)", s)
		}
		u := StoreURL{Kind: "etcd", Prefix: "/" + prefix}
		for h := range strings.SplitSeq(hosts, ",") {
			if h == "" || strings.ContainsAny(h, " @") {
				return StoreURL{}, fmt.Errorf("store %q: bad endpoint %q (credentials go in --etcd-username and KMSGATE_ETCD_PASSWORD)", s, h)
			}
			u.Endpoints = append(u.Endpoints, h)
		}
		return u, nil
	}
	return StoreURL{}, fmt.Errorf("store %q: unknown engine %q: want bbolt://PATH or etcd://HOST:PORT/PREFIX", s, scheme)
}

// String is the URL back (never with credentials: it has none).
func (u StoreURL) String() string {
	if u.Kind == "etcd" {
		return "etcd://" + strings.Join(u.Endpoints, ",") + u.Prefix
	}
	return "bbolt://" + u.Path
}

// EtcdTLS builds the TLS configuration for etcd from PEM files: caFile
// verifies the members (the system's roots when empty), certFile and
// keyFile are the client's certificate (both or neither). All empty: nil,
// plain connections.
func EtcdTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("etcd TLS: give both --etcd-cert and --etcd-key, or neither")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("etcd TLS: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd TLS: %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd TLS: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

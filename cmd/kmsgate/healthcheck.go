package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks a running kmsgate's /healthz; the Docker image's
// HEALTHCHECK uses it because the image has no curl.
func runHealthcheck(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var listen, url string
	var timeout time.Duration
	f := newEnvFlags("healthcheck", "healthcheck [flags]", stderr, nil)
	f.String(&listen, "listen", "KMSGATE_LISTEN", "127.0.0.1:4599", "the server's listen address (its port is asked on loopback)")
	f.String(&url, "url", "KMSGATE_HEALTHCHECK_URL", "", "full health URL (default http://127.0.0.1:<port of --listen>/healthz)")
	f.Duration(&timeout, "timeout", "KMSGATE_HEALTHCHECK_TIMEOUT", 3*time.Second, "how long to wait for the answer")
	if code, ok := f.parse(args, stderr); !ok {
		return code
	}
	if url == "" {
		_, port, err := net.SplitHostPort(listen)
		if err != nil {
			fmt.Fprintf(stderr, "kmsgate healthcheck: bad --listen %q: %v\n", listen, err)
			return 2
		}
		url = "http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "kmsgate healthcheck: %s answered %d: %s\n", url, resp.StatusCode, body)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return 0
}

package kmsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
)

func TestBackupEndpoint(t *testing.T) {
	content := bytes.Repeat([]byte("store"), 1000)
	tests := []struct {
		name     string
		backup   func(start func(int64) io.Writer) (int64, error)
		method   string
		wantCode int
		wantBody []byte // nil: not checked
		wantCut  bool
	}{
		{"the copy streams with its length", func(start func(int64) io.Writer) (int64, error) {
			n, err := start(int64(len(content))).Write(content)
			return int64(n), err
		}, http.MethodGet, 200, content, false},
		{"a failure before the copy begins is a JSON 500", func(func(int64) io.Writer) (int64, error) {
			return 0, errors.New("store closed")
		}, http.MethodGet, 500, nil, false},
		{"a failure during the copy cuts the connection", func(start func(int64) io.Writer) (int64, error) {
			n, _ := start(int64(len(content))).Write(content[:100])
			return int64(n), errors.New("disk error")
		}, http.MethodGet, 200, nil, true},
		{"POST is not the backup", nil, http.MethodPost, 404, nil, false},
		{"without Config.Backup there is no such path", nil, http.MethodGet, 404, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Backend: &testBackend{}, Logger: zerolog.Nop(), Account: testAccount, Backup: tc.backup}
			if tc.name == "POST is not the backup" {
				cfg.Backup = func(func(int64) io.Writer) (int64, error) { return 0, nil }
			}
			srv := httptest.NewServer(New(cfg))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+"/_kmsgate/backup", nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil && tc.wantCut {
				return // cut before the headers went out
			}
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tc.wantCode {
				t.Fatalf("got status %d, want %d", res.StatusCode, tc.wantCode)
			}
			body, err := io.ReadAll(res.Body)
			if tc.wantCut {
				if err == nil {
					t.Errorf("got the whole body (%d bytes) without an error, want the connection cut", len(body))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantBody != nil && (!bytes.Equal(body, tc.wantBody) || res.ContentLength != int64(len(tc.wantBody))) {
				t.Errorf("got %d bytes (Content-Length %d), want the %d-byte copy", len(body), res.ContentLength, len(tc.wantBody))
			}
			if tc.wantCode != 200 {
				var e struct {
					Type string `json:"__type"`
				}
				if json.Unmarshal(body, &e) != nil || e.Type == "" {
					t.Errorf("got body %q, want a JSON error", body)
				}
			}
		})
	}
}

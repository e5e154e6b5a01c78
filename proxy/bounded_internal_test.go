package proxy

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestBoundedBodyEndsPastItsBound(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		wantErr error
	}{
		{"a body of exactly the bound is read whole", 100, nil},
		{"a shorter body is read whole", 99, nil},
		{"a body one byte longer ends in an error", 101, errAnswerTooLarge},
		{"a much longer body ends in an error", 10000, errAnswerTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &boundedBody{ReadCloser: io.NopCloser(bytes.NewReader(bytes.Repeat([]byte{'a'}, tc.size))), left: 100}
			got, err := io.ReadAll(body)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			}
			if want := min(tc.size, 100); len(got) != want {
				t.Errorf("got %d bytes, want %d", len(got), want)
			}
		})
	}
}

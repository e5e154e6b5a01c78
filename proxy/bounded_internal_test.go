package proxy

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestBoundedBodyEndsPastItsBound(t *testing.T) {
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole reads", func(r io.Reader) io.Reader { return r }},
		// The last bytes come with io.EOF, as from many HTTP bodies.
		{"data together with io.EOF", iotest.DataErrReader},
		{"one byte a read", iotest.OneByteReader},
	}
	for _, rd := range readers {
		for _, tc := range []struct {
			name    string
			size    int
			wantErr error
		}{
			{"a body of exactly the bound is read whole", 100, nil},
			{"a shorter body is read whole", 99, nil},
			{"an empty body is read whole", 0, nil},
			{"a body one byte longer ends in an error", 101, errAnswerTooLarge},
			{"a much longer body ends in an error", 10000, errAnswerTooLarge},
		} {
			t.Run(rd.name+"/"+tc.name, func(t *testing.T) {
				src := rd.wrap(bytes.NewReader(bytes.Repeat([]byte{'a'}, tc.size)))
				body := &boundedBody{ReadCloser: io.NopCloser(src), left: 100}
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
}

// TestBoundedBodyZeroLengthRead: a read into an empty buffer reads nothing
// and counts nothing, before the bound and at it (where bytes.Reader
// answers io.EOF of its own); past the bound it answers the error.
func TestBoundedBodyZeroLengthRead(t *testing.T) {
	for _, tc := range []struct {
		name             string
		size             int
		first            int // bytes read before the empty read
		wantEmptyReadErr error
		wantErr          error
	}{
		{"before the bound", 100, 50, nil, nil},
		{"at the bound", 100, 100, io.EOF, nil},
		{"past the bound", 101, 101, errAnswerTooLarge, errAnswerTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &boundedBody{ReadCloser: io.NopCloser(bytes.NewReader(bytes.Repeat([]byte{'a'}, tc.size))), left: 100}
			_, _ = io.ReadFull(body, make([]byte, tc.first))
			if n, err := body.Read(nil); n != 0 || !errors.Is(err, tc.wantEmptyReadErr) {
				t.Fatalf("got %d, %v; want 0, %v", n, err, tc.wantEmptyReadErr)
			}
			rest, err := io.ReadAll(body)
			if want := min(tc.size, 100) - min(tc.first, 100); len(rest) != want || !errors.Is(err, tc.wantErr) {
				t.Errorf("then got %d bytes, %v; want %d, %v", len(rest), err, want, tc.wantErr)
			}
		})
	}
}

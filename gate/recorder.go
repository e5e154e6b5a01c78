package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/authz"
)

// DefaultRingSize is how many decisions GET /_kmsgate/decisions can show.
const DefaultRingSize = 1000

// Recorder is where decisions go: one zerolog line per judged call, the
// --decision-log file (JSON Lines, appended) and a bounded ring of the
// newest records for GET /_kmsgate/decisions. Safe for concurrent use.
type Recorder struct {
	log zerolog.Logger

	// toFile is whether a --decision-log file was opened (set once, read
	// without the lock: Close may clear file meanwhile).
	toFile bool

	mu   sync.Mutex
	file io.WriteCloser
	ring []authz.LogRecord
	next int
	n    int
	// writeErr is the first failed write to the file (logged once).
	writeErr error
}

// NewRecorder returns a Recorder that logs to log, keeps ringSize records
// (DefaultRingSize when <= 0) and, when path is not empty, appends each
// record to the file at path (created 0600).
func NewRecorder(log zerolog.Logger, path string, ringSize int) (*Recorder, error) {
	if ringSize <= 0 {
		ringSize = DefaultRingSize
	}
	r := &Recorder{log: log, ring: make([]authz.LogRecord, ringSize)}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("decision log: %w", err)
		}
		r.file, r.toFile = f, true
	}
	return r, nil
}

// Close closes the decision log file.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// Logger is the zerolog logger decision lines go to.
func (r *Recorder) Logger() zerolog.Logger { return r.log }

// Keep puts rec in the ring and the file.
func (r *Recorder) Keep(rec authz.LogRecord) {
	var line []byte
	if r.toFile {
		var err error
		if line, err = json.Marshal(rec); err != nil {
			r.log.Error().Err(err).Msg("decision log: encode")
			line = nil
		} else {
			line = append(line, '\n')
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ring[r.next] = rec
	r.next = (r.next + 1) % len(r.ring)
	if r.n < len(r.ring) {
		r.n++
	}
	if r.file != nil && line != nil {
		if _, err := r.file.Write(line); err != nil && r.writeErr == nil {
			r.writeErr = err
			r.log.Error().Err(err).Msg("decision log: write failed; later failures are not logged")
		}
	}
}

// Recent returns up to limit of the newest records, oldest first (all kept
// when limit <= 0).
func (r *Recorder) Recent(limit int) []authz.LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	if limit <= 0 || limit > r.n {
		limit = r.n
	}
	out := make([]authz.LogRecord, 0, limit)
	start := (r.next - limit + len(r.ring)) % len(r.ring)
	for i := 0; i < limit; i++ {
		out = append(out, r.ring[(start+i)%len(r.ring)])
	}
	return out
}

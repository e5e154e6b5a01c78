package kmsapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// serveBackup answers GET /_kmsgate/backup: a consistent copy of the store,
// streamed as application/octet-stream with its Content-Length. It is an
// admin path: with authentication on, only an admin principal reaches it.
// The server's write timeout does not apply to the stream (a large store
// takes as long as it takes); a failure once the copy has begun cuts the
// connection, so the client sees a short body, never a complete-looking
// bad copy.
func (s *server) serveBackup(w http.ResponseWriter, r *http.Request) {
	st := stateOf(w)
	st.op = "backup"
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	started := false
	n, err := s.backup(func(size int64) io.Writer {
		started = true
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		h.Set("Content-Disposition", `attachment; filename="kmsgate-backup.db"`)
		w.WriteHeader(http.StatusOK)
		return w
	})
	if err == nil {
		return
	}
	if !started {
		s.writeError(w, st, err)
		return
	}
	st.internal = fmt.Errorf("backup cut after %d bytes: %w", n, err)
	panic(http.ErrAbortHandler)
}

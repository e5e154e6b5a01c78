package policygen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kmsgate/kmsgate/authz"
)

// maxLine bounds one decision-log line (a record names a few ARNs and
// condition keys; a megabyte is far beyond any real line).
const maxLine = 1 << 20

// ReadLog reads a decision log (JSON Lines, as `kmsgate serve
// --decision-log` writes it). Blank lines are skipped; a line that is not a
// record is an error naming the source and the line number.
func ReadLog(r io.Reader, name string) ([]authz.LogRecord, error) {
	sc := bufio.NewScanner(r)
	// bufio.Scanner's bound holds the newline too: one byte more than
	// maxLine, so that a line of exactly maxLine bytes is read.
	sc.Buffer(make([]byte, 0, 64*1024), maxLine+1)
	var out []authz.LogRecord
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec authz.LogRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: not a decision-log record: %v", name, line, err)
		}
		if rec.Operation == "" && rec.Action == "" {
			return nil, fmt.Errorf("%s:%d: not a decision-log record: no operation and no action", name, line)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%s:%d: not a decision-log record: the line is longer than %d bytes", name, line+1, maxLine)
	} else if err != nil {
		return nil, fmt.Errorf("%s: line %d: %v", name, line+1, err)
	}
	return out, nil
}

package emulator

import (
	"encoding/base64"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kmsgate/kmsgate/storage"
)

// Markers are opaque to clients: base64url of markerTag and the sort key of
// the first item of the next page.
const markerTag = "kmsgate-page-1:"

// page is one validated Limit/Marker pair.
type page struct {
	limit int
	from  string // sort key to start at; "" for the first page
}

// maxLimit is the Limit every KMS List operation's model accepts; an
// operation may return fewer items per page (its pageCap).
const maxLimit = 1000

// parsePage validates Limit (1..1000; def when absent, at most pageCap
// items are returned) and Marker.
func parsePage(limit *int32, marker *string, pageCap, def int) (page, error) {
	p := page{limit: def}
	if limit != nil {
		if err := validationRange("limit", *limit, 1, maxLimit); err != nil {
			return page{}, err
		}
		p.limit = min(int(*limit), pageCap)
	}
	if marker != nil {
		if err := validationLen("marker", *marker, 1, 1024); err != nil {
			return page{}, err
		}
		if !allRunesIn(*marker, ' ', 0xFF) {
			return page{}, validationPattern("marker", *marker, `[\u0020-\u00FF]*`)
		}
		raw, err := base64.RawURLEncoding.DecodeString(*marker)
		if err != nil || !strings.HasPrefix(string(raw), markerTag) || len(raw) == len(markerTag) {
			return page{}, invalidMarker()
		}
		p.from = string(raw[len(markerTag):])
	}
	return p, nil
}

func encodeMarker(sortKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(markerTag + sortKey))
}

// paginate cuts one page out of items, which are sorted by key. It returns
// the page, the NextMarker (nil on the last page) and Truncated.
func paginate[T any](items []T, key func(T) string, p page) ([]T, *string, bool) {
	start := 0
	if p.from != "" {
		for start < len(items) && key(items[start]) < p.from {
			start++
		}
	}
	end := min(start+p.limit, len(items))
	out := items[start:end]
	if end < len(items) {
		return out, aws.String(encodeMarker(key(items[end]))), true
	}
	return out, nil, false
}

// scanPage reads one page of a List from bucket b in key order: the
// entries whose key starts with prefix, from the marker on. An entry's sort
// key (what a marker holds) is its key without prefix, so the cursor seeks
// straight to the marker and reads only the page: keep decodes an entry
// and says whether it is listed (false skips it, e.g. an expired key). One
// listed entry past the page is read to make the NextMarker (nil and false
// on the last page). v is the store's memory (storage.Tx.ScanPeek): keep
// decodes it at once and keeps nothing of it. Markers stay valid across writes: a marker whose entry
// was deleted starts at the next entry after it.
func scanPage[T any](tx *storage.Tx, b, prefix string, p page, keep func(sortKey string, v []byte) (T, bool, error)) ([]T, *string, bool, error) {
	from := ""
	if p.from != "" {
		from = prefix + p.from
	}
	var out []T
	var next *string
	err := tx.ScanPeek(b, prefix, from, func(k string, v []byte) (bool, error) {
		sk := k[len(prefix):]
		item, ok, err := keep(sk, v)
		if err != nil || !ok {
			return err == nil, err
		}
		if len(out) == p.limit {
			next = aws.String(encodeMarker(sk))
			return false, nil
		}
		out = append(out, item)
		return true, nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	return out, next, next != nil, nil
}

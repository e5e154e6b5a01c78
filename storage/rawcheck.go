package storage

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt file format (go.etcd.io/bbolt/internal/common), as far as the
// page walk reads it. Integers are little-endian on every platform kmsgate
// builds for.
const (
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elementSize      = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	noFreelist       = ^uint64(0)
)

// rawCheck walks the page tree of a bbolt file from the file itself.
type rawCheck struct {
	f        *os.File
	psize    int
	hwm      uint64 // pages below it are in use or free
	root     uint64
	freelist uint64
	seen     []bool
	deadline time.Time
	pages    int
	records  int
	// hdr and buf are reused for every page read.
	hdr, buf []byte
}

func newRawCheck(path string, tx *bolt.Tx, deadline time.Time) (*rawCheck, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	psize := tx.DB().Info().PageSize
	// The meta page of the transaction: the one of the two with its txid.
	rc := &rawCheck{f: f, psize: psize, deadline: deadline}
	found := false
	for _, id := range []int64{0, 1} {
		buf := make([]byte, pageHeaderSize+64)
		if _, err := f.ReadAt(buf, id*int64(psize)); err != nil {
			continue
		}
		m := buf[pageHeaderSize:]
		if binary.LittleEndian.Uint64(m[48:]) != uint64(tx.ID()) {
			continue
		}
		rc.root = binary.LittleEndian.Uint64(m[16:])
		rc.freelist = binary.LittleEndian.Uint64(m[32:])
		rc.hwm = binary.LittleEndian.Uint64(m[40:])
		found = true
	}
	if !found {
		f.Close()
		return nil, fmt.Errorf("no meta page of transaction %d", tx.ID())
	}
	if int64(rc.hwm) < 2 || int64(rc.hwm) > fi.Size()/int64(psize) {
		f.Close()
		return nil, fmt.Errorf("the file is %d bytes but its pages reach %d bytes (truncated?)", fi.Size(), int64(rc.hwm)*int64(psize))
	}
	rc.seen = make([]bool, rc.hwm)
	return rc, nil
}

// page reads page id with its overflow pages, checking that it lies below
// the high-water mark, names itself, and was not met before.
func (rc *rawCheck) page(id uint64, from uint64) ([]byte, error) {
	if id < 2 || id >= rc.hwm {
		return nil, fmt.Errorf("page %d refers to page %d, outside the file's %d pages", from, id, rc.hwm)
	}
	if rc.hdr == nil {
		rc.hdr = make([]byte, pageHeaderSize)
	}
	hdr := rc.hdr
	if _, err := rc.f.ReadAt(hdr, int64(id)*int64(rc.psize)); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	if got := binary.LittleEndian.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d holds the header of page %d", id, got)
	}
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if id+overflow >= rc.hwm {
		return nil, fmt.Errorf("page %d runs over %d pages, past the file's %d", id, overflow, rc.hwm)
	}
	for i := id; i <= id+overflow; i++ {
		if rc.seen[i] {
			return nil, fmt.Errorf("page %d is reached twice (from page %d)", i, from)
		}
		rc.seen[i] = true
	}
	// The page's bytes are only read until the next page is: what is kept
	// of them (child page ids) is copied out.
	n := int(overflow+1) * rc.psize
	if cap(rc.buf) < n {
		rc.buf = make([]byte, n)
	}
	buf := rc.buf[:n]
	if _, err := rc.f.ReadAt(buf, int64(id)*int64(rc.psize)); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	rc.pages++
	if rc.pages%256 == 0 && !rc.deadline.IsZero() && time.Now().After(rc.deadline) {
		return nil, errStopWalk
	}
	return buf, nil
}

func (rc *rawCheck) run() error {
	if rc.freelist != noFreelist {
		p, err := rc.page(rc.freelist, 0)
		if err != nil {
			return err
		}
		if flags := binary.LittleEndian.Uint16(p[8:]); flags != freelistPageFlag {
			return fmt.Errorf("free list page %d has flags %#x", rc.freelist, flags)
		}
		n := uint64(binary.LittleEndian.Uint16(p[10:]))
		data := p[pageHeaderSize:]
		if n == 0xFFFF {
			if len(data) < 8 {
				return fmt.Errorf("free list page %d is cut short", rc.freelist)
			}
			n, data = binary.LittleEndian.Uint64(data), data[8:]
		}
		if n > uint64(len(data)/8) {
			return fmt.Errorf("free list page %d counts %d ids in room for %d", rc.freelist, n, len(data)/8)
		}
		for i := uint64(0); i < n; i++ {
			if id := binary.LittleEndian.Uint64(data[i*8:]); id < 2 || id >= rc.hwm {
				return fmt.Errorf("free list page %d frees page %d, outside the file's %d pages", rc.freelist, id, rc.hwm)
			}
		}
	}
	stack := []uint64{rc.root}
	from := []uint64{0}
	for len(stack) > 0 {
		id, parent := stack[len(stack)-1], from[len(from)-1]
		stack, from = stack[:len(stack)-1], from[:len(from)-1]
		p, err := rc.page(id, parent)
		if err != nil {
			return err
		}
		children, err := rc.elements(p, id)
		if err != nil {
			return err
		}
		for _, c := range children {
			stack = append(stack, c)
			from = append(from, id)
		}
	}
	return nil
}

// elements checks the elements of a branch or leaf page (p starts with its
// header) and returns the pages it refers to: children of a branch page,
// root pages of the buckets a leaf page holds. Inline buckets are checked
// in place.
func (rc *rawCheck) elements(p []byte, id uint64) ([]uint64, error) {
	flags := binary.LittleEndian.Uint16(p[8:])
	count := int(binary.LittleEndian.Uint16(p[10:]))
	if pageHeaderSize+count*elementSize > len(p) {
		return nil, fmt.Errorf("page %d counts %d elements in %d bytes", id, count, len(p))
	}
	var refs []uint64
	for i := range count {
		at := pageHeaderSize + i*elementSize
		e := p[at : at+elementSize]
		switch flags {
		case branchPageFlag:
			pos, ksize := int64(binary.LittleEndian.Uint32(e)), int64(binary.LittleEndian.Uint32(e[4:]))
			if int64(at)+pos+ksize > int64(len(p)) {
				return nil, fmt.Errorf("page %d: element %d's key lies outside the page", id, i)
			}
			refs = append(refs, binary.LittleEndian.Uint64(e[8:]))
		case leafPageFlag:
			rc.records++
			eflags := binary.LittleEndian.Uint32(e)
			pos, ksize, vsize := int64(binary.LittleEndian.Uint32(e[4:])), int64(binary.LittleEndian.Uint32(e[8:])), int64(binary.LittleEndian.Uint32(e[12:]))
			end := int64(at) + pos + ksize + vsize
			if end > int64(len(p)) {
				return nil, fmt.Errorf("page %d: element %d's key and value lie outside the page", id, i)
			}
			if eflags&bucketLeafFlag == 0 {
				continue
			}
			v := p[int64(at)+pos+ksize : end]
			if len(v) < bucketHeaderSize {
				return nil, fmt.Errorf("page %d: bucket %d has a %d-byte header", id, i, len(v))
			}
			root := binary.LittleEndian.Uint64(v)
			if root != 0 {
				refs = append(refs, root)
				continue
			}
			inline := v[bucketHeaderSize:]
			if len(inline) < pageHeaderSize {
				return nil, fmt.Errorf("page %d: inline bucket %d is cut short", id, i)
			}
			if f := binary.LittleEndian.Uint16(inline[8:]); f != leafPageFlag {
				return nil, fmt.Errorf("page %d: inline bucket %d has page flags %#x", id, i, f)
			}
			sub, err := rc.elements(inline, id)
			if err != nil {
				return nil, err
			}
			refs = append(refs, sub...)
		default:
			return nil, fmt.Errorf("page %d has flags %#x, neither branch nor leaf", id, flags)
		}
	}
	if flags != branchPageFlag && flags != leafPageFlag {
		return nil, fmt.Errorf("page %d has flags %#x, neither branch nor leaf", id, flags)
	}
	return refs, nil
}

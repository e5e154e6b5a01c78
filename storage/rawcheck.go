package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
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
	// maxKeySize is bbolt's longest key (bbolt.MaxKeySize).
	maxKeySize = 32768
	// maxBucketValue bounds the value of a bucket entry the walk reads: a
	// bucket header and, for an inline bucket, a page bbolt keeps inline
	// only while it is under a quarter of a page.
	maxBucketValue = 1 << 20
	// pageWindow is how much of one page (with its overflow pages) the
	// walk holds in memory at once: the header and every element header
	// (at most 65,535 of 16 bytes) fit; keys and bucket values beyond it
	// are read one by one. A value of any size costs no memory: only its
	// bounds are checked.
	pageWindow = pageHeaderSize + 0xFFFF*elementSize
)

// errMetaMoved means the meta page of the walk's transaction was written
// over (by two commits) before the walk read it: not damage; the walk is
// retried in a new transaction.
var errMetaMoved = errors.New("storage: the snapshot's meta page was reused before the walk read it")

// rawCheck walks the page tree of a bbolt file from the file itself, with
// pread (never through the memory map, so that it meets no fault and adds
// nothing to the process's resident memory), and checks what bbolt's own
// check does: every page reached once, below the high-water mark, of a
// branch or leaf type, with elements inside the page and keys in order
// (within a page and against the keys of the branch pages above it); and
// every page below the high-water mark either reached or free (in the free
// list), never both. Its memory is bounded: two bits a page of the file
// (1/16384 of the file's size with 4 KiB pages), one page window, and the
// path being walked with the keys bounding it.
type rawCheck struct {
	f        *os.File
	psize    int
	hwm      uint64 // pages below it are in use or free
	root     uint64
	freelist uint64
	seen     bitset
	free     bitset
	deadline time.Time
	// pause, when set, is called after every chunk pages read; an error
	// stops the walk with that error.
	pause   func() error
	chunk   int
	pages   int
	records int
	// buf holds the page being read (its first pageWindow bytes); cur is
	// that page's id and length with its overflow pages.
	buf    []byte
	curLen int64
	curOff int64
}

type bitset []uint64

func newBitset(n uint64) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) get(i uint64) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i uint64)      { b[i/64] |= 1 << (i % 64) }

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
	rc := &rawCheck{f: f, psize: psize, deadline: deadline, chunk: 256}
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
		if hwm := uint64(tx.Size()) / uint64(psize); hwm >= 2 && hwm <= uint64(fi.Size())/uint64(psize) {
			// bbolt holds a sound meta page of this transaction in
			// memory: the file's copy was written over since.
			return nil, errMetaMoved
		}
		return nil, fmt.Errorf("no meta page of transaction %d", tx.ID())
	}
	if int64(rc.hwm) < 2 || int64(rc.hwm) > fi.Size()/int64(psize) {
		f.Close()
		return nil, fmt.Errorf("the file is %d bytes but its pages reach %d bytes (truncated?)", fi.Size(), int64(rc.hwm)*int64(psize))
	}
	rc.seen, rc.free = newBitset(rc.hwm), newBitset(rc.hwm)
	return rc, nil
}

// page reads page id (with its overflow pages, the first pageWindow bytes
// held in rc.buf), checking that it lies below the high-water mark, names
// itself, and was not met before.
func (rc *rawCheck) page(id uint64, from uint64) ([]byte, error) {
	if id < 2 || id >= rc.hwm {
		return nil, fmt.Errorf("page %d refers to page %d, outside the file's %d pages", from, id, rc.hwm)
	}
	if cap(rc.buf) < rc.psize {
		rc.buf = make([]byte, rc.psize)
	}
	off := int64(id) * int64(rc.psize)
	buf := rc.buf[:rc.psize]
	if _, err := rc.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	if got := binary.LittleEndian.Uint64(buf); got != id {
		return nil, fmt.Errorf("page %d holds the header of page %d", id, got)
	}
	overflow := uint64(binary.LittleEndian.Uint32(buf[12:]))
	if id+overflow >= rc.hwm {
		return nil, fmt.Errorf("page %d runs over %d pages, past the file's %d", id, overflow, rc.hwm)
	}
	for i := id; i <= id+overflow; i++ {
		if rc.seen.get(i) {
			return nil, fmt.Errorf("page %d is reached twice (from page %d)", i, from)
		}
		rc.seen.set(i)
	}
	rc.curOff, rc.curLen = off, int64(overflow+1)*int64(rc.psize)
	if n := min(rc.curLen, pageWindow); n > int64(len(buf)) {
		if int64(cap(rc.buf)) < n {
			rc.buf = append(rc.buf[:rc.psize], make([]byte, n-int64(rc.psize))...)
		}
		buf = rc.buf[:n]
		if _, err := rc.f.ReadAt(buf[rc.psize:], off+int64(rc.psize)); err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
	}
	rc.pages++
	if rc.pages%rc.chunk == 0 {
		if !rc.deadline.IsZero() && time.Now().After(rc.deadline) {
			return nil, errStopWalk
		}
		if rc.pause != nil {
			if err := rc.pause(); err != nil {
				return nil, err
			}
		}
	}
	return buf, nil
}

// at returns n bytes at offset off of the page last read: from the window,
// or read from the file past it. The slice is valid until the next call.
func (rc *rawCheck) at(p []byte, off, n int64) ([]byte, error) {
	if off+n <= int64(len(p)) {
		return p[off : off+n], nil
	}
	b := make([]byte, n)
	if _, err := rc.f.ReadAt(b, rc.curOff+off); err != nil {
		return nil, err
	}
	return b, nil
}

// walkItem is a page still to walk, with the page that refers to it and
// the keys its own keys must lie in: lo <= key < hi (nil: no bound).
type walkItem struct {
	id, from uint64
	lo, hi   []byte
}

func (rc *rawCheck) run() error {
	if rc.freelist != noFreelist {
		if err := rc.readFreelist(); err != nil {
			return err
		}
	}
	stack := []walkItem{{id: rc.root}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p, err := rc.page(it.id, it.from)
		if err != nil {
			return err
		}
		for i := it.id; i < it.id+uint64(rc.curLen/int64(rc.psize)); i++ {
			if rc.free.get(i) {
				return fmt.Errorf("page %d is in use (from page %d) and in the free list", i, it.from)
			}
		}
		children, err := rc.elements(p, it)
		if err != nil {
			return err
		}
		// Last first, so that pages are walked in key order.
		for i := len(children) - 1; i >= 0; i-- {
			stack = append(stack, children[i])
		}
	}
	for id := uint64(2); id < rc.hwm; id++ {
		if !rc.seen.get(id) && !rc.free.get(id) {
			return fmt.Errorf("page %d is neither in use nor in the free list", id)
		}
	}
	return nil
}

// readFreelist checks the free list page and marks the pages it frees.
func (rc *rawCheck) readFreelist() error {
	p, err := rc.page(rc.freelist, 0)
	if err != nil {
		return err
	}
	if flags := binary.LittleEndian.Uint16(p[8:]); flags != freelistPageFlag {
		return fmt.Errorf("free list page %d has flags %#x", rc.freelist, flags)
	}
	n := uint64(binary.LittleEndian.Uint16(p[10:]))
	start := int64(pageHeaderSize)
	if n == 0xFFFF {
		if rc.curLen < start+8 {
			return fmt.Errorf("free list page %d is cut short", rc.freelist)
		}
		n, start = binary.LittleEndian.Uint64(p[start:]), start+8
	}
	if n > uint64(rc.curLen-start)/8 {
		return fmt.Errorf("free list page %d counts %d ids in room for %d", rc.freelist, n, (rc.curLen-start)/8)
	}
	// The ids are read in pieces, so that a long free list costs no more
	// memory than a window.
	const piece = 4096
	for i := uint64(0); i < n; i += piece {
		m := min(piece, n-i)
		b, err := rc.at(p, start+int64(i)*8, int64(m)*8)
		if err != nil {
			return fmt.Errorf("free list page %d: %v", rc.freelist, err)
		}
		for j := range m {
			id := binary.LittleEndian.Uint64(b[j*8:])
			switch {
			case id < 2 || id >= rc.hwm:
				return fmt.Errorf("free list page %d frees page %d, outside the file's %d pages", rc.freelist, id, rc.hwm)
			case rc.free.get(id):
				return fmt.Errorf("free list page %d frees page %d twice", rc.freelist, id)
			case rc.seen.get(id):
				return fmt.Errorf("free list page %d frees page %d, which is the free list itself", rc.freelist, id)
			}
			rc.free.set(id)
		}
	}
	return nil
}

// elements checks the elements of a branch or leaf page (p starts with its
// header) and returns the pages it refers to, each with the bounds of its
// keys: children of a branch page, root pages of the buckets a leaf page
// holds. Inline buckets are checked in place.
func (rc *rawCheck) elements(p []byte, it walkItem) ([]walkItem, error) {
	id := it.id
	flags := binary.LittleEndian.Uint16(p[8:])
	count := int64(binary.LittleEndian.Uint16(p[10:]))
	size := rc.curLen
	if flags != branchPageFlag && flags != leafPageFlag {
		return nil, fmt.Errorf("page %d has flags %#x, neither branch nor leaf", id, flags)
	}
	if pageHeaderSize+count*elementSize > size {
		return nil, fmt.Errorf("page %d counts %d elements in %d bytes", id, count, size)
	}
	var (
		refs []walkItem
		// prev is the key before, in prevBuf for a leaf page
		prev, prevBuf []byte
		// keys of a branch page, copied (they bound its children)
		keys [][]byte
	)
	for i := range count {
		at := pageHeaderSize + i*elementSize
		e := p[at : at+elementSize]
		var pos, ksize, vsize int64
		if flags == branchPageFlag {
			pos, ksize = int64(binary.LittleEndian.Uint32(e)), int64(binary.LittleEndian.Uint32(e[4:]))
		} else {
			pos, ksize, vsize = int64(binary.LittleEndian.Uint32(e[4:])), int64(binary.LittleEndian.Uint32(e[8:])), int64(binary.LittleEndian.Uint32(e[12:]))
		}
		end := at + pos + ksize + vsize
		if end > size {
			return nil, fmt.Errorf("page %d: element %d's key and value lie outside the page", id, i)
		}
		if ksize > maxKeySize || (ksize == 0 && flags == leafPageFlag) {
			return nil, fmt.Errorf("page %d: element %d has a key of %d bytes", id, i, ksize)
		}
		key, err := rc.at(p, at+pos, ksize)
		if err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
		if err := keyInOrder(id, i, key, prev, it); err != nil {
			return nil, err
		}
		if flags == branchPageFlag {
			k := bytes.Clone(key)
			keys = append(keys, k)
			prev = k
			refs = append(refs, walkItem{id: binary.LittleEndian.Uint64(e[8:]), from: id})
			continue
		}
		prevBuf = append(prevBuf[:0], key...)
		prev = prevBuf
		rc.records++
		if binary.LittleEndian.Uint32(e)&bucketLeafFlag == 0 {
			continue
		}
		if vsize < bucketHeaderSize || vsize > maxBucketValue {
			return nil, fmt.Errorf("page %d: bucket %d has a %d-byte value", id, i, vsize)
		}
		v, err := rc.at(p, at+pos+ksize, vsize)
		if err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
		if root := binary.LittleEndian.Uint64(v); root != 0 {
			refs = append(refs, walkItem{id: root, from: id})
			continue
		}
		sub, err := rc.inline(bytes.Clone(v[bucketHeaderSize:]), id, i)
		if err != nil {
			return nil, err
		}
		refs = append(refs, sub...)
	}
	for i := range refs {
		if flags != branchPageFlag {
			break
		}
		// Child i holds the keys from its own key up to the next one.
		refs[i].lo, refs[i].hi = keys[i], it.hi
		if i+1 < len(keys) {
			refs[i].hi = keys[i+1]
		}
	}
	return refs, nil
}

// inline checks an inline bucket (a leaf page kept in its parent's value)
// and returns the root pages of the buckets it holds.
func (rc *rawCheck) inline(page []byte, id uint64, elem int64) ([]walkItem, error) {
	if len(page) < pageHeaderSize {
		return nil, fmt.Errorf("page %d: inline bucket %d is cut short", id, elem)
	}
	if f := binary.LittleEndian.Uint16(page[8:]); f != leafPageFlag {
		return nil, fmt.Errorf("page %d: inline bucket %d has page flags %#x", id, elem, f)
	}
	saveOff, saveLen := rc.curOff, rc.curLen
	defer func() { rc.curOff, rc.curLen = saveOff, saveLen }()
	// Everything an inline page holds is in page: nothing is read past it.
	rc.curLen = int64(len(page))
	return rc.elements(page, walkItem{id: id})
}

// keyInOrder checks key, element i of page id: after prev (the element
// before it on the page, nil for the first) and within the bounds the
// branch pages above give.
func keyInOrder(id uint64, i int64, key, prev []byte, it walkItem) error {
	switch {
	case prev != nil && bytes.Compare(prev, key) >= 0:
		return fmt.Errorf("page %d: key %d is not after the key before it", id, i)
	case it.lo != nil && bytes.Compare(key, it.lo) < 0:
		return fmt.Errorf("page %d: key %d is before the key page %d gives it", id, i, it.from)
	case it.hi != nil && bytes.Compare(key, it.hi) >= 0:
		return fmt.Errorf("page %d: key %d is not before the next key of page %d", id, i, it.from)
	}
	return nil
}

package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"syscall"
)

// metaSize is the part of a meta page after its header that bbolt
// checksums (magic, version, page size, flags, root bucket, free list,
// high-water mark, txid), followed by the checksum.
const (
	metaSize  = 56
	boltMagic = 0xED0CDAED
)

// precheckFile reads what bbolt reads first when it opens a file (the meta
// pages and the free list), from the file, before bbolt does: bbolt trusts
// them, and a damaged free list makes it panic, or allocate without bound
// (a count of billions of free pages) before anything can be checked. It
// runs before the lock is taken; a file another process holds is told
// apart (as in use) before damage is reported.
func precheckFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // bbolt's open reports it
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	if cause := precheckMeta(f, fi.Size()); cause != "" {
		if inUse(f) {
			return &InUseError{Path: path}
		}
		return &DamagedError{Path: path, Cause: cause}
	}
	return nil
}

// inUse reports whether another process holds the file's lock.
func inUse(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

type rawMeta struct {
	psize         int64
	freelist, hwm uint64
	txid          uint64
}

// readMeta reads and checks the meta page at off; ok is false when it is
// not a valid meta page.
func readMeta(f *os.File, off int64) (m rawMeta, ok bool) {
	buf := make([]byte, pageHeaderSize+metaSize+8)
	if _, err := f.ReadAt(buf, off); err != nil {
		return m, false
	}
	b := buf[pageHeaderSize:]
	if binary.LittleEndian.Uint32(b) != boltMagic || binary.LittleEndian.Uint32(b[4:]) != 2 {
		return m, false
	}
	h := fnv.New64a()
	h.Write(b[:metaSize])
	if h.Sum64() != binary.LittleEndian.Uint64(b[metaSize:]) {
		return m, false
	}
	m.psize = int64(binary.LittleEndian.Uint32(b[8:]))
	m.freelist = binary.LittleEndian.Uint64(b[32:])
	m.hwm = binary.LittleEndian.Uint64(b[40:])
	m.txid = binary.LittleEndian.Uint64(b[48:])
	return m, m.psize >= 512 && m.psize <= 1<<20 && m.psize&(m.psize-1) == 0
}

// precheckMeta returns what is wrong with the file's meta pages and free
// list, or "".
func precheckMeta(f *os.File, size int64) string {
	m0, ok0 := readMeta(f, 0)
	psize := int64(os.Getpagesize())
	if ok0 {
		psize = m0.psize
	}
	m1, ok1 := readMeta(f, psize)
	var metas []rawMeta
	if ok0 {
		metas = append(metas, m0)
	}
	if ok1 {
		metas = append(metas, m1)
	}
	if len(metas) == 0 {
		return "" // not a bbolt file: bbolt says so itself, without panicking
	}
	// bbolt uses the valid meta page of the highest txid (and falls back
	// to the other when that one does not hold up).
	if len(metas) == 2 && metas[1].txid > metas[0].txid {
		metas[0], metas[1] = metas[1], metas[0]
	}
	var problem string
	for _, m := range metas {
		if problem = checkFreelist(f, size, m); problem == "" {
			return ""
		}
	}
	return problem
}

func checkFreelist(f *os.File, size int64, m rawMeta) string {
	pages := uint64(size / m.psize)
	if m.hwm < 2 || m.hwm > pages {
		return fmt.Sprintf("the file is %d bytes but its pages reach %d bytes (truncated?)", size, m.hwm*uint64(m.psize))
	}
	if m.freelist == noFreelist {
		return ""
	}
	if m.freelist < 2 || m.freelist >= m.hwm {
		return fmt.Sprintf("the free list is said to be on page %d, outside the file's %d pages", m.freelist, m.hwm)
	}
	hdr := make([]byte, pageHeaderSize+8)
	if _, err := f.ReadAt(hdr, int64(m.freelist)*m.psize); err != nil {
		return fmt.Sprintf("free list page %d: %v", m.freelist, err)
	}
	if got := binary.LittleEndian.Uint64(hdr); got != m.freelist {
		return fmt.Sprintf("free list page %d holds the header of page %d", m.freelist, got)
	}
	if flags := binary.LittleEndian.Uint16(hdr[8:]); flags != freelistPageFlag {
		return fmt.Sprintf("free list page %d has flags %#x", m.freelist, flags)
	}
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if m.freelist+overflow >= m.hwm {
		return fmt.Sprintf("free list page %d runs past the file's %d pages", m.freelist, m.hwm)
	}
	room := (overflow+1)*uint64(m.psize) - pageHeaderSize
	count := uint64(binary.LittleEndian.Uint16(hdr[10:]))
	if count == 0xFFFF {
		count, room = binary.LittleEndian.Uint64(hdr[pageHeaderSize:]), room-8
	}
	if count > room/8 {
		return fmt.Sprintf("free list page %d counts %d free pages in room for %d", m.freelist, count, room/8)
	}
	return ""
}

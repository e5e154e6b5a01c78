package kmsgate

import (
	"sync/atomic"
	"time"
)

// Clock is wall time plus an offset that only moves forward. The server's
// --test-clock admin endpoint advances it so that key deletion and automatic
// rotation can be tested in seconds; without that flag the offset stays 0.
type Clock struct {
	wall   func() time.Time
	offset atomic.Int64 // nanoseconds
}

// NewClock returns a Clock over wall (time.Now when nil).
func NewClock(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{wall: wall}
}

// Now is wall time plus every Advance so far.
func (c *Clock) Now() time.Time {
	return c.wall().Add(time.Duration(c.offset.Load()))
}

// Advance moves the clock forward by d (a negative d is ignored) and returns
// the new Now.
func (c *Clock) Advance(d time.Duration) time.Time {
	if d > 0 {
		c.offset.Add(int64(d))
	}
	return c.Now()
}

//go:build race

package kmsapi

// raceEnabled: under the race detector sync.Pool drops a share of what is
// put back at random, and its instrumentation allocates too.
const raceEnabled = true

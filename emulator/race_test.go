//go:build race

package emulator_test

// raceEnabled: the race detector's instrumentation allocates too.
const raceEnabled = true

package server

import (
	"context"
	"errors"
	"sync"

	"github.com/kmsgate/kmsgate/storage"
)

// The states of the store check that /healthz reports (store.check).
const (
	checkRunning    = "running"    // the background walk is under way
	checkPassed     = "passed"     // every page walked, nothing wrong
	checkDamaged    = "damaged"    // damage found: /healthz answers 503
	checkIncomplete = "incomplete" // --check full stopped at --check-timeout, or the walk could not run
	checkOff        = "off"        // --check off
)

// storeCheck is what the store check found, for /healthz.
type storeCheck struct {
	mu     sync.Mutex
	state  string
	reason string
}

func (c *storeCheck) set(state, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state, c.reason = state, reason
}

func (c *storeCheck) get() (state, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.reason
}

// initialCheckState is the check's state once the store is open.
func initialCheckState(mode storage.CheckMode, rep storage.CheckReport) string {
	switch {
	case mode == storage.CheckQuick:
		return checkRunning
	case mode == storage.CheckOff:
		return checkOff
	case !rep.Ran || rep.Complete:
		return checkPassed // a new store, or checked whole at open
	}
	return checkIncomplete
}

// checkInBackground walks the store's pages while it is served (--check
// quick) and reports what it finds: a log line, /healthz, the metrics.
func (s *Server) checkInBackground(ctx context.Context) {
	defer close(s.chkDone)
	pace := s.cfg.CheckPace
	if pace == (storage.Pace{}) {
		pace = storage.Pace{Chunk: storage.DefaultCheckChunk, Share: storage.DefaultCheckShare}
	}
	log := s.cfg.Logger
	s.metrics.StoreCheckRunning(true)
	defer s.metrics.StoreCheckRunning(false)
	rep, err := s.db.CheckPages(ctx, pace)
	var de *storage.DamagedError
	switch {
	case err == nil:
		s.check.set(checkPassed, "")
		s.metrics.StoreCheckDone(rep.Took, false)
		log.Info().Str("data", s.db.Path()).Int("pages", rep.Pages).Int("records", rep.Records).Dur("took", rep.Took).
			Msg("store checked in the background: every page is sound")
	case errors.As(err, &de):
		s.check.set(checkDamaged, de.Error())
		s.metrics.StoreCheckDone(rep.Took, true)
		log.Error().Str("data", s.db.Path()).Str("cause", de.Cause).Int("pages", rep.Pages).
			Msg("STORE DAMAGED: " + de.Error() + " (found by the background check; /healthz answers 503; calls that read the damaged pages fail with KMSInternalException)")
	case ctx.Err() != nil:
		// Shutting down before the walk ended: nothing to report.
	default:
		s.check.set(checkIncomplete, err.Error())
		log.Warn().Err(err).Msg("store check could not run in the background; the store is served unchecked")
	}
}

// storeHealth is /healthz in emulator mode: unhealthy once the store check
// has found damage.
func (s *Server) storeHealth(context.Context) (bool, map[string]any) {
	state, reason := s.check.get()
	store := map[string]any{"check": state}
	if reason != "" {
		store["error"] = reason
	}
	return state != checkDamaged, map[string]any{"mode": "emulator", "store": store}
}

package kmsapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/kmsapi/internal/awsjson"
	"github.com/kmsgate/kmsgate/metrics"
)

// DefaultMaxBodyBytes is the body limit when Config.MaxBodyBytes is 0: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// Config is what New needs.
type Config struct {
	// Backend answers every KMS operation.
	Backend kmsgate.Backend
	// Logger gets exactly one line per request.
	Logger zerolog.Logger
	// DefaultRegion is the region of an unsigned request, e.g. "us-east-1".
	DefaultRegion string
	// Account is the AWS account id put in kmsgate.Caller, e.g. "111122223333".
	Account string
	// MaxBodyBytes is the largest request body accepted (default
	// DefaultMaxBodyBytes, 1 MiB); a larger one is answered 413
	// RequestEntityTooLargeException.
	MaxBodyBytes int64
	// Clock, when non-nil (only with --test-clock), enables
	// POST /_kmsgate/clock {"advance":"720h"}.
	Clock *kmsgate.Clock
	// NewRequestID makes the x-amzn-RequestId of each answer; nil means
	// UUID-shaped ids, distinct within the server (see requestIDs).
	NewRequestID func() string
	// Keys finds an access key (nil: no key is known). The key picks the
	// caller's principal and account; with Auth AuthVerify its secret
	// checks the signature.
	Keys func(accessKeyID string) (AccessKey, bool)
	// Auth is --auth: AuthOff, or AuthVerify (every request but GET
	// /healthz needs a valid SigV4 signature of a known key; the admin
	// paths under /_kmsgate/ need an admin principal's).
	Auth AuthMode
	// Now is the wall clock signatures are checked against (time.Now when
	// nil; never the test clock).
	Now func() time.Time
	// Decisions, when set, serves GET /_kmsgate/decisions?limit=N.
	Decisions Decisions
	// Health, when set, says whether the backend's dependencies are well
	// (proxy mode: whether the upstream answered recently). GET /healthz
	// answers 200 {"status":"ok",...details} when healthy, else 503
	// {"status":"unhealthy",...details}. Nil: always 200 {"status":"ok"}.
	Health func(ctx context.Context) (healthy bool, details map[string]any)
	// Metrics counts requests, errors, latency and in-flight requests and
	// is served at GET /metrics; nil means a registry of the handler's own.
	Metrics *metrics.Metrics
	// Backup, when set, enables GET /_kmsgate/backup: it writes a
	// consistent copy of the store to the writer start returns (told the
	// copy's size first) and returns the bytes written
	// (storage.DB.Backup).
	Backup func(start func(size int64) io.Writer) (int64, error)
}

// AccessKey is what the wire knows of one access key.
type AccessKey struct {
	// Principal is the caller's ARN; Account the account its calls act in.
	Principal, Account string
	// Admin may use the /_kmsgate/ admin paths.
	Admin bool
	// Secret is the secret access key (AuthVerify).
	Secret string
	// SessionToken, when set, must come in X-Amz-Security-Token.
	SessionToken string
	// Expires, when not zero, ends the key: ExpiredTokenException after.
	Expires time.Time
}

// Decisions is the ring of the newest policy decisions.
type Decisions interface {
	// Recent returns up to limit of the newest records, oldest first.
	Recent(limit int) []authz.LogRecord
}

const (
	contentTypeJSON11 = "application/x-amz-json-1.1"
	targetPrefix      = "TrentService."
	headerRequestID   = "x-amzn-RequestId"
	headerErrorType   = "X-Amzn-ErrorType"
)

// server is the http.Handler New returns.
type server struct {
	backend       kmsgate.Backend
	log           zerolog.Logger
	defaultRegion string
	account       string
	maxBody       int64
	clock         *kmsgate.Clock
	newID         func() string
	keys          func(string) (AccessKey, bool)
	auth          AuthMode
	verifier      *verifier
	decisions     Decisions
	health        func(context.Context) (bool, map[string]any)
	backup        func(start func(size int64) io.Writer) (int64, error)
	routes        map[string]*route
	metrics       *metrics.Metrics
	// unknownOp counts requests whose X-Amz-Target names no operation.
	unknownOp   *metrics.Op
	metricsPage http.Handler
	router      *mux.Router
	// noVars is the Vars of every route match: the routes have no
	// variables, and a match whose Vars is set does not make a map of
	// its own. Nothing writes to it.
	noVars map[string]string
	// Header values shared by every answer; net/http only reads them.
	ctJSON11, ctJSON []string
	// bufs holds *buffers for KMS requests, so that the request body and
	// the answer do not cost two allocations per request.
	bufs sync.Pool
}

// buffers are one KMS request's body and answer. Both are cleared before
// they go back to the pool (they may hold plaintext); the pool keeps none
// larger than maxPooledBuffer.
type buffers struct {
	body, out []byte
}

const maxPooledBuffer = 16 << 10

func (s *server) getBuffers() *buffers {
	if b, ok := s.bufs.Get().(*buffers); ok {
		return b
	}
	return &buffers{body: make([]byte, 0, 1024), out: make([]byte, 0, 1024)}
}

// putBuffers clears what b's buffers hold and pools them; body and out are
// the slices the request ended with (they may have grown).
func (s *server) putBuffers(b *buffers, body, out []byte) {
	if cap(body) > maxPooledBuffer || cap(out) > maxPooledBuffer {
		return
	}
	clear(body)
	clear(out)
	b.body, b.out = body[:0], out[:0]
	s.bufs.Put(b)
}

// New returns the KMS wire handler for cfg.Backend: POST / dispatched on
// X-Amz-Target, GET /healthz, GET /metrics (Prometheus) and, with cfg.Clock,
// POST /_kmsgate/clock. Every other path or method is a JSON 404.
func New(cfg Config) http.Handler {
	return newServer(cfg, routeTable(&awsjson.Codec{}))
}

func newServer(cfg Config, table []route) *server {
	s := &server{
		backend:       cfg.Backend,
		log:           cfg.Logger,
		defaultRegion: cfg.DefaultRegion,
		account:       cfg.Account,
		maxBody:       cfg.MaxBodyBytes,
		clock:         cfg.Clock,
		newID:         cfg.NewRequestID,
		keys:          cfg.Keys,
		auth:          cfg.Auth,
		decisions:     cfg.Decisions,
		health:        cfg.Health,
		backup:        cfg.Backup,
		routes:        make(map[string]*route, len(table)),
		ctJSON11:      []string{contentTypeJSON11},
		ctJSON:        []string{"application/json"},
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.auth == AuthVerify {
		now := cfg.Now
		if now == nil {
			now = time.Now
		}
		s.verifier = &verifier{now: now}
	}
	if s.newID == nil {
		s.newID = newRequestIDs(rand.Reader).next
	}
	s.metrics = cfg.Metrics
	if s.metrics == nil {
		s.metrics = metrics.New(metrics.Options{})
	}
	s.metricsPage = s.metrics.Handler()
	s.unknownOp = s.metrics.Operation(metrics.OpUnknown)
	for i := range table {
		table[i].metric = s.metrics.Operation(table[i].name)
		s.routes[table[i].name] = &table[i]
	}

	// Exact path matchers: mux's Path() compiles a regular expression and
	// runs it on every request.
	// ServeHTTP asks the router for the match itself (route): the routes
	// have no variables, and mux.Vars and mux.CurrentRoute are not set.
	// SkipClean: a path such as "//", "/../x" or "/healthz/.." is not
	// redirected to its clean form (a 301 with an empty body) but answered
	// as any other unknown path, a JSON 404 (route never redirects; the
	// router's own ServeHTTP would, without it).
	r := mux.NewRouter().SkipClean(true)
	r.Methods(http.MethodPost).MatcherFunc(exactPath("/")).HandlerFunc(s.serveKMS)
	r.Methods(http.MethodGet).MatcherFunc(exactPath("/healthz")).HandlerFunc(s.serveHealth)
	r.Methods(http.MethodGet).MatcherFunc(exactPath("/metrics")).HandlerFunc(s.serveMetrics)
	if s.clock != nil {
		r.Methods(http.MethodPost).MatcherFunc(exactPath("/_kmsgate/clock")).HandlerFunc(s.serveClock)
	}
	if s.backup != nil {
		r.Methods(http.MethodGet).MatcherFunc(exactPath("/_kmsgate/backup")).HandlerFunc(s.serveBackup)
	}
	if s.decisions != nil {
		r.Methods(http.MethodGet).MatcherFunc(exactPath("/_kmsgate/decisions")).HandlerFunc(s.serveDecisions)
	}
	r.NotFoundHandler = http.HandlerFunc(s.serveNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.serveNotFound)
	s.router, s.noVars = r, map[string]string{}
	return s
}

// exactPath matches a request whose path is exactly p, as mux's Path(p)
// does for a template without variables.
func exactPath(p string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool { return r.URL.Path == p }
}

// reqState is what one request learns on its way, for its log line.
type reqState struct {
	id      string
	op      string
	keyARN  string
	region  string
	errCode string
	// internal is the full text of a server-side failure (logged, never answered).
	internal error
	stack    []byte
	// start is when the request arrived; metric, the KMS operation's series,
	// is counted when the answer's status is written (before its body, so
	// a client that has the answer sees it counted).
	start  time.Time
	metric *metrics.Op
	// upstreamID is the request id an upstream KMS gave the call (proxy
	// mode): answered as x-amzn-RequestId, so that the caller's id is the
	// one the upstream (and its CloudTrail) knows; the log line has both.
	upstreamID string
}

// stateOf is the state of the request answered through w (the
// *statusWriter ServeHTTP hands down; mux passes it through unchanged).
func stateOf(w http.ResponseWriter) *reqState {
	if sw, ok := w.(*statusWriter); ok {
		return sw.st
	}
	return &reqState{}
}

// statusWriter remembers the status code written, and carries the
// request's state to the handlers.
type statusWriter struct {
	http.ResponseWriter
	status int
	st     *reqState
	// contentLength holds the Content-Length header's value.
	contentLength [1]string
}

// exchange is what ServeHTTP allocates per request, in one piece.
type exchange struct {
	w     statusWriter
	st    reqState
	id    [1]string // the x-amzn-RequestId header value
	match mux.RouteMatch
}

// Unwrap lets http.ResponseController reach the connection (the backup
// stream lifts the write deadline).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.answered(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.answered(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// answered notes the status, and counts a KMS request in its operation's
// metrics (the error code is known by then: writeError sets it first).
func (w *statusWriter) answered(code int) {
	w.status = code
	if st := w.st; st.metric != nil {
		st.metric.Done(st.errCode, time.Since(st.start))
	}
}

// ServeHTTP gives every request an id (answered in x-amzn-RequestId), turns
// a panic into a 500, and logs exactly one line when the answer is written.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.RequestStarted()
	defer s.metrics.RequestDone()
	ex := &exchange{}
	st, sw := &ex.st, &ex.w
	st.start = start
	st.id = s.newID()
	ex.id[0] = st.id
	w.Header()[headerRequestID] = ex.id[:]
	sw.ResponseWriter, sw.st = w, st
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			st.internal = fmt.Errorf("panic: %v", p)
			st.stack = debug.Stack()
			if sw.status == 0 {
				s.writeError(sw, st, st.internal)
			}
		}
		s.logRequest(st, sw.status, time.Since(start))
		if p == http.ErrAbortHandler {
			panic(p) // net/http's own signal to drop the connection
		}
	}()
	// Admin paths need an admin principal once signatures are checked.
	if s.auth == AuthVerify && strings.HasPrefix(r.URL.Path, "/_kmsgate/") && !s.admitAdmin(sw, r) {
		return
	}
	s.route(sw, r, &ex.match)
}

// route serves r with the handler the router matches. It does what
// mux.Router.ServeHTTP does for these routes (exact paths, no variables,
// no cleaning: SkipClean) but does not copy the request twice to put
// the match in its context, where no handler looks.
func (s *server) route(w http.ResponseWriter, r *http.Request, m *mux.RouteMatch) {
	m.Vars = s.noVars
	if s.router.Match(r, m) && m.Handler != nil {
		m.Handler.ServeHTTP(w, r)
		return
	}
	s.serveNotFound(w, r) // not reached: NotFoundHandler and MethodNotAllowedHandler are set
}

func (s *server) logRequest(st *reqState, status int, d time.Duration) {
	ev := s.log.Info()
	if status >= 500 {
		ev = s.log.Error()
	}
	// Every field is bounded: the operation, key and region come from
	// the request, and may be as long as a header or body allows.
	ev = ev.Str("request_id", st.id).
		Str("operation", bounded(st.op)).
		Str("key_arn", bounded(st.keyARN)).
		Str("region", bounded(st.region)).
		Int("status", status).
		Str("error_code", bounded(st.errCode)).
		Float64("duration_ms", float64(d.Microseconds())/1000)
	if st.upstreamID != "" {
		ev = ev.Str("upstream_request_id", st.upstreamID)
	}
	if st.internal != nil {
		ev = ev.Str("error", boundedN(st.internal.Error(), 4*maxLogField))
	}
	if st.stack != nil {
		ev = ev.Bytes("stack", st.stack)
	}
	ev.Msg("request")
}

// maxLogField is the most bytes of a request-given value a log line (or
// an error message) repeats.
const maxLogField = 256

// bounded cuts s to maxLogField bytes, saying how long it was.
func bounded(s string) string { return boundedN(s, maxLogField) }

func boundedN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "...(" + strconv.Itoa(len(s)) + " bytes)"
}

// serveKMS answers POST /: one KMS operation named by X-Amz-Target.
func (s *server) serveKMS(w http.ResponseWriter, r *http.Request) {
	st := stateOf(w)
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	rt := s.routes[name]
	if !ok || rt == nil {
		st.op = target
		st.metric = s.unknownOp
		s.writeError(w, st, unknownOperation(target))
		return
	}
	st.op = rt.name
	st.metric = rt.metric
	bufs := s.getBuffers()
	body, out := bufs.body, bufs.out
	// The answer is copied into net/http's own buffer by Write, and nothing
	// decoded refers to the body (strings and bytes are copies), so both go
	// back to the pool when the answer is written.
	defer func() { s.putBuffers(bufs, body, out) }()
	var err error
	body, out, err = s.callRoute(w, r, rt, st, body, out)
	if err != nil {
		var up upstreamRequestIDer
		if errors.As(err, &up) {
			st.upstreamID = up.ServiceRequestID()
		}
	}
	if st.upstreamID != "" {
		w.Header()[headerRequestID] = []string{st.upstreamID}
	}
	if err != nil {
		s.writeError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ctJSON11, out)
}

// callRoute checks the request, reads the body into bodyBuf and runs the
// operation, appending its answer to dst; a panic in the backend becomes an
// internal error here. It returns the body as read (for the pool).
func (s *server) callRoute(w http.ResponseWriter, r *http.Request, rt *route, st *reqState, bodyBuf, dst []byte) (body, out []byte, err error) {
	body = bodyBuf
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return body, dst, err
	}
	limit := rt.maxBody
	if limit <= 0 {
		limit = s.maxBody
	}
	if body, err = readBody(w, r, limit, bodyBuf); err != nil {
		return bodyBuf, dst, err
	}
	caller, _, err := s.identify(r, st.id, body)
	if err != nil {
		return body, dst, err
	}
	st.region = caller.Region
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			st.stack = debug.Stack()
			out, err = dst, fmt.Errorf("panic in %s: %v", rt.name, p)
		}
	}()
	out, err = rt.serve(kmsgate.WithCaller(r.Context(), caller), s.backend, body, st, dst)
	if err != nil {
		out = dst
	}
	return body, out, err
}

// checkContentType accepts AWS JSON 1.1, plain JSON, or no Content-Type.
func checkContentType(ct string) error {
	if ct == "" || ct == contentTypeJSON11 || ct == "application/json" {
		return nil // what every SDK sends, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == contentTypeJSON11 || mt == "application/json") {
		return nil
	}
	return kmsgate.NewSerializationException("Content-Type must be %s or application/json", contentTypeJSON11)
}

// readBody reads at most limit bytes (into buf when it is large enough);
// more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// net/http stops the body at Content-Length (<= limit, checked
		// above): read it in one go.
		if int64(cap(buf)) >= r.ContentLength {
			body = buf[:r.ContentLength]
		} else {
			body = make([]byte, r.ContentLength)
		}
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(limit)
		}
		return nil, kmsgate.NewSerializationException("The request body could not be read.")
	}
	return body, nil
}

// identify builds the Caller from the SigV4 Authorization header, the
// remote address and the request id; with AuthVerify it checks the
// signature over body. It also answers whether the caller is an admin
// principal.
func (s *server) identify(r *http.Request, requestID string, body []byte) (kmsgate.Caller, bool, error) {
	c := kmsgate.Caller{Region: s.defaultRegion, Account: s.account, RequestID: requestID, SecureTransport: r.TLS != nil}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.SourceIP = host
	} else {
		c.SourceIP = r.RemoteAddr
	}
	var cred credential
	if h := r.Header.Get("Authorization"); h != "" {
		var err error
		if cred, err = parseAuthorization(h); err != nil {
			return c, false, err
		}
	} else {
		var presigned bool
		var err error
		if r.URL.RawQuery != "" {
			cred, presigned, err = parsePresigned(r.URL.Query())
		}
		switch {
		case err != nil:
			return c, false, err
		case !presigned && s.auth == AuthVerify:
			return c, false, authError("MissingAuthenticationTokenException", "Missing Authentication Token")
		case !presigned:
			return c, false, nil
		}
	}
	c.AccessKeyID, c.Region = cred.accessKeyID, cred.region
	var key AccessKey
	known := false
	if s.keys != nil {
		key, known = s.keys(cred.accessKeyID)
	}
	if s.auth == AuthVerify {
		if !known {
			return c, false, invalidToken()
		}
		if err := s.verifier.verify(r, cred, key, body); err != nil {
			return c, false, err
		}
	}
	if known {
		c.PrincipalARN = key.Principal
		if key.Account != "" {
			c.Account = key.Account
		}
	}
	return c, known && key.Admin, nil
}

// admitAdmin guards every path under /_kmsgate/ when auth is AuthVerify:
// the request must be signed by an admin principal's key (another
// principal's answers AccessDeniedException). It answers the error itself
// and returns false when the request may not go on; the body it read is
// put back for the handler.
func (s *server) admitAdmin(w http.ResponseWriter, r *http.Request) bool {
	st := stateOf(w)
	body, err := readBody(w, r, s.maxBody, nil)
	if err == nil {
		var admin bool
		var c kmsgate.Caller
		c, admin, err = s.identify(r, st.id, body)
		if err == nil && !admin {
			err = kmsgate.NewAccessDeniedException("User: %s is not authorized to use the kmsgate admin path %s: the principal is not marked admin in the principals file.", principalOrKey(c), r.URL.Path)
		}
	}
	if err != nil {
		st.op = strings.TrimPrefix(r.URL.Path, "/_kmsgate/")
		s.writeError(w, st, err)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

func principalOrKey(c kmsgate.Caller) string {
	if c.PrincipalARN != "" {
		return c.PrincipalARN
	}
	return "access key " + c.AccessKeyID
}

func (s *server) serveHealth(w http.ResponseWriter, r *http.Request) {
	stateOf(w).op = "healthz"
	if s.health == nil {
		writeJSON(w, http.StatusOK, s.ctJSON, []byte(`{"status":"ok"}`))
		return
	}
	healthy, details := s.health(r.Context())
	answer := make(map[string]any, len(details)+1)
	for k, v := range details {
		answer[k] = v
	}
	status := http.StatusOK
	answer["status"] = "ok"
	if !healthy {
		status = http.StatusServiceUnavailable
		answer["status"] = "unhealthy"
	}
	body, err := json.Marshal(answer)
	if err != nil {
		s.writeError(w, stateOf(w), err)
		return
	}
	writeJSON(w, status, s.ctJSON, body)
}

// serveMetrics answers GET /metrics in the Prometheus text format.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	stateOf(w).op = "metrics"
	s.metricsPage.ServeHTTP(w, r)
}

// serveClock advances the test clock: {"advance":"720h"} → {"now":<epoch seconds>}.
func (s *server) serveClock(w http.ResponseWriter, r *http.Request) {
	st := stateOf(w)
	st.op = "clock"
	body, err := readBody(w, r, s.maxBody, nil)
	if err != nil {
		s.writeError(w, st, err)
		return
	}
	var req struct {
		Advance string `json:"advance"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, st, kmsgate.NewSerializationException("The body must be {\"advance\":\"<Go duration>\"}."))
		return
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < 0 {
		s.writeError(w, st, kmsgate.NewValidationException("advance must be a non-negative Go duration such as \"720h\"."))
		return
	}
	now := s.clock.Advance(d)
	out := append([]byte(`{"now":`), awsjson.AppendEpoch(nil, now)...)
	writeJSON(w, http.StatusOK, s.ctJSON, append(out, '}'))
}

// serveDecisions answers the newest policy decisions:
// {"decisions":[LogRecord...]}, oldest first; ?limit=N (default 100).
func (s *server) serveDecisions(w http.ResponseWriter, r *http.Request) {
	st := stateOf(w)
	st.op = "decisions"
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, st, kmsgate.NewValidationException("limit must be a whole number of at least 1."))
			return
		}
		limit = n
	}
	recs := s.decisions.Recent(limit)
	if recs == nil {
		recs = []authz.LogRecord{}
	}
	body, err := json.Marshal(struct {
		Decisions []authz.LogRecord `json:"decisions"`
	}{recs})
	if err != nil {
		s.writeError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ctJSON, body)
}

func (s *server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	st := stateOf(w)
	s.writeError(w, st, &wireError{
		code:    "UnknownOperationException",
		message: fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path),
		status:  http.StatusNotFound,
	})
}

// writeJSON answers body in one Write, with its Content-Length. contentType
// is one of the server's shared header values.
func writeJSON(w http.ResponseWriter, status int, contentType []string, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentType
	var length []string
	if sw, ok := w.(*statusWriter); ok {
		length = sw.contentLength[:] // no slice of its own
	} else {
		length = make([]string, 1)
	}
	length[0] = strconv.Itoa(len(body))
	h["Content-Length"] = length
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

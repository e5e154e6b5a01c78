package kmsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
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
	// random UUID-shaped ids.
	NewRequestID func() string
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
	routes        map[string]*route
	metrics       *metrics
	router        *mux.Router
}

// New returns the KMS wire handler for cfg.Backend: POST / dispatched on
// X-Amz-Target, GET /healthz, GET /_kmsgate/metrics and, with cfg.Clock,
// POST /_kmsgate/clock. Every other path or method is a JSON 404.
func New(cfg Config) http.Handler {
	return newServer(cfg, routeTable(&codec{}))
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
		routes:        make(map[string]*route, len(table)),
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.newID == nil {
		s.newID = func() string { return randomRequestID(rand.Reader) }
	}
	names := make([]string, 0, len(table))
	for i := range table {
		s.routes[table[i].name] = &table[i]
		names = append(names, table[i].name)
	}
	s.metrics = newMetrics(names)

	r := mux.NewRouter()
	r.Methods(http.MethodPost).Path("/").HandlerFunc(s.serveKMS)
	r.Methods(http.MethodGet).Path("/healthz").HandlerFunc(s.serveHealth)
	r.Methods(http.MethodGet).Path("/_kmsgate/metrics").HandlerFunc(s.serveMetrics)
	if s.clock != nil {
		r.Methods(http.MethodPost).Path("/_kmsgate/clock").HandlerFunc(s.serveClock)
	}
	r.NotFoundHandler = http.HandlerFunc(s.serveNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.serveNotFound)
	s.router = r
	return s
}

// randomRequestID makes a UUID-shaped id (version 4 layout) from rnd.
func randomRequestID(rnd io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "00000000-0000-4000-8000-000000000000"
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
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
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP gives every request an id (answered in x-amzn-RequestId), turns
// a panic into a 500, and logs exactly one line when the answer is written.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: s.newID()}
	w.Header()[headerRequestID] = []string{st.id}
	sw := &statusWriter{ResponseWriter: w}
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
	s.router.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
}

func (s *server) logRequest(st *reqState, status int, d time.Duration) {
	ev := s.log.Info()
	if status >= 500 {
		ev = s.log.Error()
	}
	ev = ev.Str("request_id", st.id).
		Str("operation", st.op).
		Str("key_arn", st.keyARN).
		Str("region", st.region).
		Int("status", status).
		Str("error_code", st.errCode).
		Dur("duration", d)
	if st.internal != nil {
		ev = ev.AnErr("error", st.internal)
	}
	if st.stack != nil {
		ev = ev.Bytes("stack", st.stack)
	}
	ev.Msg("request")
}

// serveKMS answers POST /: one KMS operation named by X-Amz-Target.
func (s *server) serveKMS(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r.Context())
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	rt := s.routes[name]
	if !ok || rt == nil {
		st.op = target
		s.writeError(w, st, unknownOperation(target))
		return
	}
	st.op = rt.name
	counters := s.metrics.ops[rt.name]
	counters.requests.Add(1)
	out, err := s.callRoute(w, r, rt, st)
	if err != nil {
		counters.errors.Add(1)
		s.writeError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, contentTypeJSON11, out)
}

// callRoute checks the request, reads the body and runs the operation; a
// panic in the backend becomes an internal error here.
func (s *server) callRoute(w http.ResponseWriter, r *http.Request, rt *route, st *reqState) (out []byte, err error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	caller, err := s.identify(r, st.id)
	if err != nil {
		return nil, err
	}
	st.region = caller.Region
	limit := rt.maxBody
	if limit <= 0 {
		limit = s.maxBody
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			st.stack = debug.Stack()
			out, err = nil, fmt.Errorf("panic in %s: %v", rt.name, p)
		}
	}()
	return rt.serve(kmsgate.WithCaller(r.Context(), caller), s.backend, body, st)
}

// checkContentType accepts AWS JSON 1.1, plain JSON, or no Content-Type.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == contentTypeJSON11 || mt == "application/json") {
		return nil
	}
	return kmsgate.NewSerializationException("Content-Type must be %s or application/json", contentTypeJSON11)
}

// readBody reads at most limit bytes; more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	lr := http.MaxBytesReader(w, r.Body, limit)
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// net/http stops the body at Content-Length: read it in one go.
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(lr, body)
	} else {
		body, err = io.ReadAll(lr)
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
// remote address and the request id.
func (s *server) identify(r *http.Request, requestID string) (kmsgate.Caller, error) {
	c := kmsgate.Caller{Region: s.defaultRegion, Account: s.account, RequestID: requestID}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.SourceIP = host
	} else {
		c.SourceIP = r.RemoteAddr
	}
	if h := r.Header.Get("Authorization"); h != "" {
		cred, err := parseAuthorization(h)
		if err != nil {
			return c, err
		}
		c.AccessKeyID, c.Region = cred.accessKeyID, cred.region
	}
	return c, nil
}

func (s *server) serveHealth(w http.ResponseWriter, r *http.Request) {
	stateFrom(r.Context()).op = "healthz"
	writeJSON(w, http.StatusOK, "application/json", []byte(`{"status":"ok"}`))
}

func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	stateFrom(r.Context()).op = "metrics"
	body, err := json.Marshal(s.metrics.snapshot())
	if err != nil {
		s.writeError(w, stateFrom(r.Context()), err)
		return
	}
	writeJSON(w, http.StatusOK, "application/json", body)
}

// serveClock advances the test clock: {"advance":"720h"} → {"now":<epoch seconds>}.
func (s *server) serveClock(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r.Context())
	st.op = "clock"
	body, err := readBody(w, r, s.maxBody)
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
	out := append([]byte(`{"now":`), appendEpoch(nil, now)...)
	writeJSON(w, http.StatusOK, "application/json", append(out, '}'))
}

func (s *server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r.Context())
	s.writeError(w, st, &wireError{
		code:    "UnknownOperationException",
		message: fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path),
		status:  http.StatusNotFound,
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

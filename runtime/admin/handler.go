package admin

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// Options configures Handler.
type Options struct {
	// Authorize decides whether r may change the runtime: force a
	// breaker, replay, requeue or drop a letter. Nil refuses every
	// mutation.
	Authorize func(r *http.Request) bool
	// AuthorizeRead, when set, decides whether r may read the API and the
	// page; nil leaves them open.
	AuthorizeRead func(r *http.Request) bool
	// TrustedOrigins may send mutations from another origin, such as
	// "https://ops.example.com". Requests from the page's own origin and
	// requests without browser headers (curl, a script) need none.
	TrustedOrigins []string
	// Refresh is how often the page polls the API; 0 means 1s.
	Refresh time.Duration
	// Logger receives a line per mutation, done or refused; nil means
	// slog.Default().
	Logger *slog.Logger
}

// maxForm bounds what a mutation's body may carry (a key).
const maxForm = 64 << 10

type handler struct {
	rt     *baldur.Runtime
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	origin *http.CrossOriginProtection
}

// Handler serves the API and the dashboard for rt. It panics on a
// malformed trusted origin, as regexp.MustCompile does on a bad pattern.
func Handler(rt *baldur.Runtime, opts Options) http.Handler {
	h := &handler{rt: rt, opts: opts, log: opts.Logger, mux: http.NewServeMux(), origin: http.NewCrossOriginProtection()}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.opts.Refresh <= 0 {
		h.opts.Refresh = time.Second
	}
	for _, o := range opts.TrustedOrigins {
		if err := h.origin.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("admin: trusted origin %q: %v", o, err))
		}
	}
	h.mux.HandleFunc("GET /{$}", h.page)
	h.mux.Handle("GET /assets/", http.FileServerFS(assets))
	h.mux.HandleFunc("GET /api/access", h.access)
	h.mux.HandleFunc("GET /api/breakers", h.breakers)
	h.mux.HandleFunc("GET /api/policies", h.policies)
	h.mux.HandleFunc("GET /api/dead-letters", h.letters)
	h.mux.HandleFunc("POST /api/breakers/{name}/{action}", h.mutation(h.breakerAction))
	h.mux.HandleFunc("POST /api/dead-letters/{id}/{action}", h.mutation(h.letterAction))
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	if r.URL.Path == "" {
		// A request for the prefix itself (/ops under StripPrefix("/ops")):
		// the page's relative links need the trailing slash. Not
		// http.Redirect, which resolves a relative target against
		// r.URL.Path, emptied by StripPrefix.
		p := strings.TrimSuffix(strings.SplitN(r.RequestURI, "?", 2)[0], "/")
		hd.Set("Location", p[strings.LastIndex(p, "/")+1:]+"/")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	if isRead(r) && h.opts.AuthorizeRead != nil && !h.opts.AuthorizeRead(r) {
		writeError(w, http.StatusForbidden, "not authorized to read")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func isRead(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

// mutation checks a state-changing request before do runs: same origin
// first (a forged request never reaches Authorize, which may trust a
// cookie the browser attached), then Authorize.
func (h *handler) mutation(do func(w http.ResponseWriter, r *http.Request) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		what := r.Method + " " + r.URL.Path
		if err := h.origin.Check(r); err != nil {
			h.log.Warn("baldur admin: cross-origin mutation refused", "request", what, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
			writeError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		if h.opts.Authorize == nil {
			h.log.Warn("baldur admin: mutation refused: no Authorize configured", "request", what, "remote", r.RemoteAddr)
			writeError(w, http.StatusForbidden, "mutations are turned off: the handler has no Authorize")
			return
		}
		if !h.opts.Authorize(r) {
			h.log.Warn("baldur admin: mutation refused: not authorized", "request", what, "remote", r.RemoteAddr)
			writeError(w, http.StatusForbidden, "not authorized")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		done, err := do(w, r)
		if err != nil {
			h.log.Warn("baldur admin: mutation failed", "request", what, "remote", r.RemoteAddr, "error", err)
			return
		}
		h.log.Info("baldur admin: "+done, "request", what, "remote", r.RemoteAddr)
	}
}

// access tells the page whether to offer its buttons.
func (h *handler) access(w http.ResponseWriter, r *http.Request) {
	write := h.opts.Authorize != nil && h.opts.Authorize(r)
	writeJSON(w, http.StatusOK, map[string]bool{"write": write})
}

// apiError is the body of every refusal and failure.
type apiError struct {
	Error string `json:"error"`
}

// requestError is a failure whose status is known.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func fail(w http.ResponseWriter, status int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	writeError(w, status, msg)
	return &requestError{status: status, msg: msg}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

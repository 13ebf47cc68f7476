package inventory

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Server is an in-memory inventory service that answers a repeated
// Idempotency-Key with its first reservation. Its faults, when set, are
// answered first, one per request: "drop" closes the connection after
// reading the request, a status code such as "503" answers with it (and
// "Retry-After: 1").
type Server struct {
	mu           sync.Mutex
	faults       []string
	bodies       []string
	reservations map[string]Reservation
	imports      int
}

// Fail queues faults.
func (s *Server) Fail(faults ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Bodies are the request bodies the server read, in order.
func (s *Server) Bodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// Reservations is how many reservations the server made.
func (s *Server) Reservations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reservations)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, string(body))
	if len(s.faults) > 0 {
		fault := s.faults[0]
		s.faults = s.faults[1:]
		if fault == "drop" {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Header().Set("Retry-After", "1")
		var code int
		fmt.Sscan(fault, &code)
		w.WriteHeader(code)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/reservations":
		key := r.Header.Get("Idempotency-Key")
		res, ok := s.reservations[key]
		if !ok {
			if s.reservations == nil {
				s.reservations = map[string]Reservation{}
			}
			json.Unmarshal(body, &res)
			res.ID = fmt.Sprintf("res-%d", len(s.reservations)+1)
			s.reservations[key] = res
		}
		json.NewEncoder(w).Encode(res)
	case r.Method == http.MethodPost && r.URL.Path == "/imports":
		s.imports++
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/stock/"):
		fmt.Fprint(w, `{"free": 7}`)
	default:
		http.NotFound(w, r)
	}
}

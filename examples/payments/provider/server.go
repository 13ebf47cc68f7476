package provider

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server serves a handler on a loopback port the kernel picks, so demos
// and tests never collide on a fixed port.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:41234.
	URL string

	srv  *http.Server
	done chan error
}

// Start serves h on 127.0.0.1 until Close.
func Start(h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops accepting requests and waits for the ones in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// run is the command, testable: it serves until ctx ends, and returns 2
// on bad usage, 1 when it cannot start.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "where to serve the dashboard and /metrics (loopback only)")
	verbose := fs.Bool("v", false, "log the runtime's events to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(stderr, "dashboard: -addr %s: serve on a loopback address such as 127.0.0.1:8080\n", *addr)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	a, err := start(logger, liveConfig)
	if err != nil {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "dashboard: http://%s/baldur/   metrics: http://%s/metrics   (Ctrl-C stops)\n", ln.Addr(), ln.Addr())

	played := make(chan error, 1)
	go func() { played <- a.Play(ctx, pace, 0) }()
	select {
	case err = <-served:
	case err = <-played:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	}
	return 0
}

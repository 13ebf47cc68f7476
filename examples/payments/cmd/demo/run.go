package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// deadline bounds the whole run; the scenario takes about two seconds.
const deadline = 25 * time.Second

// run is the command, testable: it prints the account to stdout and
// returns the exit status, 1 when a promise was broken, 2 on bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "log the runtime's events to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	writeHeader(stdout)
	n := 0
	acct, err := play(ctx, scenario, logger, func(p phaseResult) {
		n++
		writePhase(stdout, n, p)
	})
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	writeTotals(stdout, acct)
	if bad := check(acct); len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(stderr, "demo: broken promise:", b)
		}
		return 1
	}
	fmt.Fprintln(stdout, "\nEvery promise held.")
	return 0
}

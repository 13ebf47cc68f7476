// Package fault gives store tests the faults a real deployment sees: a
// private redis-server they can pause (SIGSTOP), kill and restart, and a TCP
// proxy they can stall, cut or make refuse connections, in front of any
// service (a private redis, the shared PostgreSQL).
//
// It never touches the shared services: a Redis is a process this package
// started on a free loopback port, stopped by its pid; a proxy only forwards,
// so cutting it closes the test's own connections and nothing else. Everything
// started is stopped at t.Cleanup, a paused process is resumed first, and no
// goroutine outlives the test.
package fault

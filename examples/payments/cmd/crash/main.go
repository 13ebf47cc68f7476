// Command crash shows that a dead letter outlives its process. A child
// process charges orders through the protected gateway while the
// provider is down: each is captured in a bbolt file before the child
// says "captured". The parent kills it with SIGKILL in the middle of the
// outage, brings the provider back, and starts a second process on the
// same file, which replays what the first captured: every order the first
// acknowledged is charged, once.
package main

import "os"

func main() {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(child(role, os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[0], os.Stdout, os.Stderr))
}

// Command demo runs the payments example end to end: a fake payment
// provider on a loopback port with scripted faults, the HTTP gateway in
// front of it, and the baldurgen-generated decorator around that. It prints
// what happened phase by phase and exits non-zero when the story did not
// go as Baldur promises.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

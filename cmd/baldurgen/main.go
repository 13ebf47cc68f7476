// Command baldurgen generates typed decorators for interfaces annotated
// with //baldur:protected. Run it with go:generate:
//
//	//go:generate go run github.com/baldur-go/baldur/cmd/baldurgen
package main

import (
	"os"

	"github.com/baldur-go/baldur/cmd/baldurgen/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Command baldurgen generates typed decorators for interfaces annotated
// with //baldur:protected. Make it a tool of your module and run it with
// go:generate:
//
//	go get -tool github.com/baldur-go/baldur/cmd/baldurgen
//
//	//go:generate go tool baldurgen
package main

import (
	"os"

	"github.com/baldur-go/baldur/cmd/baldurgen/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

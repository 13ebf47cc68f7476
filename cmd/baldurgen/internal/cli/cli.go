// Package cli is baldurgen's command line: flags, and calls into package
// generator. main calls Run; tests call it too.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/baldur-go/baldur/generator"
	"github.com/baldur-go/baldur/parser"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitProblems = 1 // annotation problems, or drift for check
	ExitUsage    = 2 // bad flags or arguments, or baldurgen itself failed
	ExitSetup    = 2 // the go command could not list the packages
)

// problems is returned by a command that reported diagnostics.
type problems struct{ n int }

func (p problems) Error() string { return fmt.Sprintf("%d problem(s)", p.n) }

// Run executes baldurgen with args (without the program name) and returns
// the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	var p problems
	var le *generator.LoadError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &p):
		return ExitProblems
	case errors.As(err, &le):
		for _, msg := range le.Messages {
			fmt.Fprintln(stderr, "baldurgen:", msg)
		}
		return ExitSetup
	default:
		fmt.Fprintln(stderr, "baldurgen:", err)
		return ExitUsage
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var opts generator.Options
	var verbose bool
	root := &cobra.Command{
		Use:   "baldurgen [packages]",
		Short: "Generate decorators for //baldur:protected interfaces",
		Long: `baldurgen reads the //baldur:protected annotations of the interfaces in the
given packages (default ".") and writes, next to each annotated file, a
<file>_baldur.go holding a typed decorator per interface.

Annotation problems are printed as file:line:col: message and nothing is
written. Policy-plan warnings (the rules of baldurgen lint) are printed too,
and do not stop generation. Exit status: 0 ok, 1 annotation problems, 2 a
broken setup (a missing directory or module, a go.mod or go.sum the go
command refuses) or a usage error.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = args
			res, err := generator.Generate(opts)
			if err != nil {
				return err
			}
			// Warnings are printed by every generation, not only by lint:
			// "a retried side effect may run twice" is for everyone.
			wd, _ := os.Getwd()
			generator.Report(stderr, append(append(parser.Diagnostics{}, res.Diagnostics...), res.Warnings...).Sort(), wd)
			if len(res.Diagnostics) > 0 {
				return problems{len(res.Diagnostics)}
			}
			changed, err := res.Write()
			if verbose {
				say(stdout, res, changed)
			}
			return err
		},
	}
	root.PersistentFlags().StringVar(&opts.Tags, "tags", "", "comma-separated build tags, as for go build")
	root.PersistentFlags().StringVar(&opts.BuildConstraint, "build-constraint", "", "a //go:build expression every generated file must also satisfy, such as \"!nobaldur\"")
	root.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the files written or removed")
	root.AddCommand(newCheck(&opts, stdout, stderr), newLint(&opts, stderr), newPlan(&opts, stdout, stderr))
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print baldurgen's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(stdout, "baldurgen", version())
		},
	})
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })
	return root
}

// report prints diagnostics relative to the working directory and returns
// problems when there were any.
func report(w io.Writer, diags parser.Diagnostics) error {
	wd, _ := os.Getwd()
	generator.Report(w, diags, wd)
	if len(diags) > 0 {
		return problems{len(diags)}
	}
	return nil
}

// say lists what a generation wrote and removed, or says that nothing
// needed to change.
func say(w io.Writer, res *generator.Result, changed []string) {
	removed := map[string]bool{}
	for _, o := range res.Orphans {
		removed[o] = true
	}
	for _, c := range changed {
		verb := "wrote"
		if removed[c] {
			verb = "removed"
		}
		fmt.Fprintln(w, verb, relative(c))
	}
	switch n := len(res.Files); {
	case len(changed) > 0:
	case n == 0:
		fmt.Fprintln(w, "nothing to generate: no //baldur:protected interfaces in these packages")
	case n == 1:
		fmt.Fprintln(w, "up to date: 1 generated file")
	default:
		fmt.Fprintf(w, "up to date: %d generated files\n", n)
	}
}

func relative(path string) string {
	wd, _ := os.Getwd()
	return generator.Relative(path, wd)
}

// version is the module version baldurgen was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/baldur-go/baldur" {
				return dep.Version
			}
		}
		if bi.Main.Path == "github.com/baldur-go/baldur" && bi.Main.Version != "" {
			return bi.Main.Version
		}
	}
	return "(devel)"
}

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/baldur-go/baldur/generator"
)

func newCheck(opts *generator.Options, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "check [packages]",
		Short: "Fail when generated files are stale, missing or orphaned",
		Long: `check regenerates in memory and compares with the files on disk, writing
nothing. It prints a unified diff for every stale file and lists missing and
orphaned ones. Exit status: 0 up to date, 1 drift or annotation problems,
2 a broken setup (the go command could not list the packages) or a usage
error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = args
			res, err := generator.Generate(*opts)
			if err != nil {
				return err
			}
			if err := report(stderr, res.Diagnostics); err != nil {
				return err
			}
			wd, _ := os.Getwd()
			drift, err := res.Check(wd)
			if err != nil {
				return err
			}
			drift.Report(stdout, wd)
			if n := len(drift.Stale) + len(drift.Missing) + len(drift.Orphans); n > 0 {
				fmt.Fprintf(stderr, "baldurgen check: %d generated file(s) out of date; run go generate ./... (or baldurgen)\n", n)
				return problems{n}
			}
			return nil
		},
	}
}

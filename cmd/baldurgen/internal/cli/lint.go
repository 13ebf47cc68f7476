package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/baldur-go/baldur/generator"
	"github.com/baldur-go/baldur/parser"
)

func newLint(opts *generator.Options, stderr io.Writer) *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "lint [packages]",
		Short: "Report annotation problems and policy-plan warnings, writing nothing",
		Long: `lint reports every annotation error and every policy-plan warning: retry
on a method neither marked idempotent nor keyed by idempotency_key, retry of
a method taking an io.Reader, a channel or a func, an interface timeout that
cannot apply to a method without a context, a fallback that calls the
method it stands in for. Exit status: 1 on errors, or on warnings with
--strict; 2 a broken setup or a usage error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = args
			res, err := generator.Generate(*opts)
			if err != nil {
				return err
			}
			all := append(append(parser.Diagnostics{}, res.Diagnostics...), res.Warnings...).Sort()
			wd, _ := os.Getwd()
			generator.Report(stderr, all, wd)
			if len(res.Diagnostics) > 0 || strict && len(res.Warnings) > 0 {
				return problems{len(all)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as errors")
	return cmd
}

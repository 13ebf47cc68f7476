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
	var config string
	cmd := &cobra.Command{
		Use:   "lint [packages]",
		Short: "Report annotation problems and policy-plan warnings, writing nothing",
		Long: `lint reports every annotation error and every policy-plan warning: retry
on a method neither marked idempotent nor keyed by idempotency_key, retry of
a method taking an io.Reader, a channel or a func, an interface timeout that
cannot apply to a method without a context, a fallback that calls the
method it stands in for.

With --config baldur.yaml it also checks the runtime's configuration: every
name under policies: and breakers: must be declared by an annotation (or a
baldurgen.yaml entry) of the packages, since a misspelt name leaves the real
policy on its defaults without a word; every field an override's when names
must be one the policy's calls carry (otherwise the override never applies);
a policy with breaker_key must keep its breaker; and the file must load as
the runtime would load it.

Exit status: 1 on errors, or on warnings with --strict; 2 a broken setup or
a usage error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = args
			res, err := generator.Generate(*opts)
			if err != nil {
				return err
			}
			errs := append(parser.Diagnostics{}, res.Diagnostics...)
			if config != "" {
				data, err := os.ReadFile(config)
				if err != nil {
					return err
				}
				errs = append(errs, res.CheckConfig(config, data)...)
			}
			all := append(errs, res.Warnings...).Sort()
			wd, _ := os.Getwd()
			generator.Report(stderr, all, wd)
			if len(errs) > 0 || strict && len(res.Warnings) > 0 {
				return problems{len(all)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as errors")
	cmd.Flags().StringVar(&config, "config", "", "a baldur.yaml to check against the annotations: unknown policy and breaker names, override fields no method carries, and what the runtime would refuse")
	return cmd
}

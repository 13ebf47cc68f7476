package cli

import (
	"encoding/json"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/baldur-go/baldur/generator"
	baldur "github.com/baldur-go/baldur/runtime"
)

func newPlan(opts *generator.Options, stdout, stderr io.Writer) *cobra.Command {
	var config string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan [packages]",
		Short: "Print each protected method's layers with the configuration in effect",
		Long: `plan prints, for every protected method of the packages, its layers in the
order a call goes through them (fallback, dead-letter capture, idempotency,
retry, breaker, timeout) with the configuration in effect once every level
is merged, and where each value came from: built-in, mesh, defaults (the
file's defaults section), annotation, policies.<name>, breakers.<name>, or
an override.

With --config baldur.yaml the file is read as the runtime reads it; without,
the plan is what a runtime without a configuration file would run. --json
prints the same for tools. Nothing is written.

Problems with the file (what lint --config reports) are printed on stderr;
the plan is printed all the same unless the runtime would refuse the file.
Exit status: 1 on annotation or configuration problems; 2 a broken setup or
a usage error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = args
			res, err := generator.Generate(*opts)
			if err != nil {
				return err
			}
			if err := report(stderr, res.Diagnostics); err != nil {
				return err
			}
			var cfg *baldur.Config
			var configProblems error
			if config != "" {
				data, err := os.ReadFile(config)
				if err != nil {
					return err
				}
				// What lint --config reports is printed, and the plan is
				// still made when the runtime would load the file.
				configProblems = report(stderr, res.CheckConfig(config, data))
				if cfg, err = baldur.ParseConfig(config, data); err != nil {
					return configProblems
				}
			}
			wd, _ := os.Getwd()
			plan := res.Plan(cfg, wd)
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(plan); err != nil {
					return err
				}
			} else {
				plan.WriteText(stdout)
			}
			return configProblems
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "the baldur.yaml the program loads")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for tools")
	return cmd
}

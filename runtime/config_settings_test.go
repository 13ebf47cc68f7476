package baldur_test

import (
	"slices"
	"testing"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// What a tool lists of a section is what the file says, in its spelling,
// and nothing the file left unset.
func TestSettingsOfWritesWhatTheFileSays(t *testing.T) {
	cfg, err := baldur.ParseConfig("baldur.yaml", []byte(`
policies:
  charge:
    timeout: 90s
    retry: {attempts: 4, backoff: constant, multiplier: 1.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := baldur.SettingsOf(cfg.Policies["charge"], "")
	want := []baldur.Setting{
		{Key: "timeout", Value: "1m30s"},
		{Key: "retry.attempts", Value: "4"},
		{Key: "retry.backoff", Value: "constant"},
		{Key: "retry.multiplier", Value: "1.5"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("SettingsOf = %v, want %v", got, want)
	}
	defaults := baldur.SettingsOf(baldur.PolicyConfig{Timeout: baldur.Set[time.Duration](0)}, "defaults")
	if want := []baldur.Setting{{Key: "defaults.timeout", Value: "0s"}}; !slices.Equal(defaults, want) {
		t.Errorf("SettingsOf under a prefix = %v, want %v", defaults, want)
	}
	if got := baldur.SettingsOf(cfg.Policies["charge"].Retry, "retry"); len(got) != 3 || got[0].Key != "retry.attempts" {
		t.Errorf("SettingsOf(Retry, \"retry\") = %v, want the three retry settings under retry.", got)
	}
}

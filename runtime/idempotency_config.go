package baldur

import (
	"errors"
	"time"
)

// idemSettings are a policy's idempotency settings, resolved from its
// IdempotencyConfig (config.go declares them, their defaults and bounds):
// what the engine reads on every call, as plain values.
type idemSettings struct {
	TTL, Lease time.Duration
	// RenewEvery is the lease's heartbeat; negative turns renewal off.
	RenewEvery       time.Duration
	InFlight         InFlight
	MissingKey       MissingKey
	RequireTenant    bool
	Namespace        string
	StoreTimeout     time.Duration
	MaxClaimAttempts int
	PollMin, PollMax time.Duration
	MaxKeyBytes      int
}

// settingsOf turns a resolved IdempotencyConfig into the engine's values.
// renew_every unset renews every third of the lease; 0s turns renewal off.
func settingsOf(c IdempotencyConfig) idemSettings {
	s := idemSettings{
		TTL: c.TTL.v, Lease: c.Lease.v, InFlight: c.InFlight.v, MissingKey: c.MissingKey.v,
		RequireTenant: c.RequireTenant.v, Namespace: c.Namespace.v, StoreTimeout: c.StoreTimeout.v,
		MaxClaimAttempts: c.MaxClaimAttempts.v, PollMin: c.PollMin.v, PollMax: c.PollMax.v, MaxKeyBytes: c.MaxKeyBytes.v,
	}
	switch every, set := c.RenewEvery.Get(); {
	case !set:
		s.RenewEvery = s.Lease / 3
	case every == 0:
		s.RenewEvery = -1
	default:
		s.RenewEvery = every
	}
	return s
}

// conflicts reports idempotency settings that contradict each other.
func (c IdempotencyConfig) conflicts() []string {
	var out []string
	if c.PollMin.v > c.PollMax.v {
		out = append(out, "poll_min ("+shortDuration(c.PollMin.v)+") is above poll_max ("+shortDuration(c.PollMax.v)+")")
	}
	if every, set := c.RenewEvery.Get(); set && every >= c.Lease.v {
		out = append(out, "renew_every ("+shortDuration(every)+") must be shorter than lease ("+shortDuration(c.Lease.v)+"), or the lease would lapse between renewals")
	}
	return out
}

// idemConfig is what an engine runs on: its settings and the runtime's
// clocks.
type idemConfig struct {
	idemSettings
	// clock times the engine's own work (lease renewal); calls times what a
	// call waits for (a duplicate's wait, polling another process's record,
	// the in-flight bound).
	clock, calls Clock
	// permanent marks failures that are stored and replayed to duplicates.
	permanent func(error) bool
}

func (c *idemConfig) isPermanent(err error) bool {
	return errors.Is(err, ErrCodec) || (c.permanent != nil && c.permanent(err))
}

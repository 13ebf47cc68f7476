package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	baldur "github.com/baldur-go/baldur/runtime"
)

// letterView is one dead letter as the API shows it.
type letterView struct {
	ID         string            `json:"id"`
	Policy     string            `json:"policy"`
	Method     string            `json:"method"`
	Key        string            `json:"key,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Error      string            `json:"error"`
	Attempts   int               `json:"attempts"`
	Replays    int               `json:"replays"`
	State      string            `json:"state"`
	Reason     string            `json:"reason,omitempty"`
	Created    time.Time         `json:"created,omitzero"`
	LastFailed time.Time         `json:"last_failed,omitzero"`
	NextReplay time.Time         `json:"next_replay,omitzero"`
}

type countView struct {
	Policy string `json:"policy"`
	State  string `json:"state"`
	N      int    `json:"n"`
}

var letterStates = map[string]baldur.LetterState{"": 0, "pending": baldur.LetterPending, "parked": baldur.LetterParked}

// letters lists one page of letters. A runtime without a dead-letter
// queue answers enabled: false; asking does not make one.
func (h *handler) letters(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Enabled bool         `json:"enabled"`
		Letters []letterView `json:"letters"`
		Counts  []countView  `json:"counts"`
		// Next is the After of the following page; empty on the last.
		Next string `json:"next,omitempty"`
	}{Letters: []letterView{}, Counts: []countView{}}
	q := r.URL.Query()
	state, ok := letterStates[q.Get("state")]
	if !ok {
		writeError(w, http.StatusBadRequest, "state must be pending or parked")
		return
	}
	f := baldur.LetterFilter{Policy: q.Get("policy"), State: state, After: q.Get("after"), Limit: 100}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to 1000")
			return
		}
		f.Limit = n
	}
	if !h.rt.DeadLettersInUse() {
		writeJSON(w, http.StatusOK, out)
		return
	}
	out.Enabled = true
	dl := h.rt.DeadLetters()
	ls, err := dl.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "listing dead letters: "+err.Error())
		return
	}
	counts, err := dl.Counts(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "counting dead letters: "+err.Error())
		return
	}
	for _, l := range ls {
		out.Letters = append(out.Letters, letterView{
			ID: l.ID, Policy: l.Policy, Method: l.Method, Key: l.Key, Fields: l.Fields, Error: l.Err,
			Attempts: l.Attempts, Replays: l.Replays, State: l.State.String(), Reason: l.Reason,
			Created: l.Created, LastFailed: l.LastFailed, NextReplay: l.NextReplay,
		})
	}
	if len(ls) == f.Limit {
		out.Next = ls[len(ls)-1].ID
	}
	for _, c := range counts {
		out.Counts = append(out.Counts, countView{Policy: c.Policy, State: c.State.String(), N: c.N})
	}
	writeJSON(w, http.StatusOK, out)
}

// letterActions are the operator's actions on one letter.
var letterActions = map[string]struct {
	do   func(*baldur.DeadLetters, context.Context, string) error
	done string
}{
	"replay":  {(*baldur.DeadLetters).Replay, "dead letter replayed"},
	"requeue": {(*baldur.DeadLetters).Requeue, "dead letter requeued"},
	"drop":    {(*baldur.DeadLetters).Drop, "dead letter dropped"},
}

func (h *handler) letterAction(w http.ResponseWriter, r *http.Request) (string, error) {
	act, ok := letterActions[r.PathValue("action")]
	if !ok {
		return "", fail(w, http.StatusNotFound, "no dead-letter action %q (replay, requeue, drop)", r.PathValue("action"))
	}
	id := r.PathValue("id")
	if !h.rt.DeadLettersInUse() {
		return "", fail(w, http.StatusNotFound, "no dead letter %q: the runtime has no dead-letter queue", id)
	}
	switch err := act.do(h.rt.DeadLetters(), r.Context(), id); {
	case errors.Is(err, baldur.ErrNoLetter):
		return "", fail(w, http.StatusNotFound, "no dead letter %q", id)
	case err != nil:
		// The replay ran and failed (the letter is rescheduled or
		// parked), another replica holds it, or the store refused.
		return "", fail(w, http.StatusConflict, "%v", err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "done": act.done})
	return act.done + ": " + id, nil
}

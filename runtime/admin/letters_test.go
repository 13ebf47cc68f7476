package admin_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	baldur "github.com/baldur-go/baldur/runtime"
	"github.com/baldur-go/baldur/runtime/admin"
)

type letterPage struct {
	Enabled bool
	Letters []struct {
		ID, Policy, State, Error, Reason string
		Attempts, Replays                int
	}
	Counts []struct {
		Policy, State string
		N             int
	}
	Next string
}

// Letters are listed oldest first with their counts, a page at a time,
// filtered by policy and state.
func TestDeadLettersListed(t *testing.T) {
	e := newEnv(t)
	for _, k := range []string{"a", "b", "c"} {
		e.capture(k)
	}
	h := e.handler(admin.Options{})
	var page letterPage
	get(t, h, "/api/dead-letters?limit=2", &page)
	if !page.Enabled || len(page.Letters) != 2 || page.Next != page.Letters[1].ID || len(page.Counts) != 1 || page.Counts[0].N != 3 || page.Counts[0].State != "pending" {
		t.Fatalf("first page %+v", page)
	}
	l := page.Letters[0]
	if l.Policy != "refund" || l.State != "pending" || !strings.Contains(l.Error, "boom") || l.Attempts != 1 {
		t.Fatalf("letter %+v", l)
	}
	var rest letterPage
	get(t, h, "/api/dead-letters?limit=2&after="+page.Next, &rest)
	if len(rest.Letters) != 1 || rest.Next != "" {
		t.Fatalf("second page %+v", rest)
	}
	var none letterPage
	get(t, h, "/api/dead-letters?state=parked", &none)
	if len(none.Letters) != 0 {
		t.Fatalf("parked: %+v", none)
	}
	get(t, h, "/api/dead-letters?policy=charge", &none)
	if len(none.Letters) != 0 {
		t.Fatalf("policy charge: %+v", none)
	}
	for _, q := range []string{"state=lost", "limit=0", "limit=x"} {
		if w := get(t, h, "/api/dead-letters?"+q, nil); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, w.Code)
		}
	}
}

// Replay, requeue and drop, each authorized; a failed replay parks the
// letter (max_replays 1) and says so; an unknown letter is not found.
func TestDeadLetterActions(t *testing.T) {
	e := newEnv(t)
	e.capture("a")
	e.capture("b")
	h := e.handler(admin.Options{Authorize: operator})
	var page letterPage
	get(t, h, "/api/dead-letters", &page)
	a, b := page.Letters[0].ID, page.Letters[1].ID

	if w := post(t, h, "/api/dead-letters/"+a+"/replay"); w.Code != http.StatusForbidden {
		t.Fatalf("unauthorized replay: %d", w.Code)
	}
	auth := []string{"Authorization", "Bearer op"}
	if w := post(t, h, "/api/dead-letters/"+a+"/replay", auth...); w.Code != http.StatusOK {
		t.Fatalf("replay: %d %s", w.Code, body(w))
	}
	e.replayFails = true
	if w := post(t, h, "/api/dead-letters/"+b+"/replay", auth...); w.Code != http.StatusConflict || !strings.Contains(body(w), "parked") {
		t.Fatalf("failed replay: %d %s", w.Code, body(w))
	}
	get(t, h, "/api/dead-letters", &page)
	if len(page.Letters) != 1 || page.Letters[0].ID != b || page.Letters[0].State != "parked" {
		t.Fatalf("after the replays: %+v", page)
	}
	if w := post(t, h, "/api/dead-letters/"+b+"/requeue", auth...); w.Code != http.StatusOK {
		t.Fatalf("requeue: %d %s", w.Code, body(w))
	}
	if l, _ := e.rt.DeadLetters().Get(bg, b); l.State != baldur.LetterPending {
		t.Fatalf("requeued letter is %v", l.State)
	}
	if w := post(t, h, "/api/dead-letters/"+b+"/drop", auth...); w.Code != http.StatusOK {
		t.Fatalf("drop: %d %s", w.Code, body(w))
	}
	for _, path := range []string{"/api/dead-letters/" + b + "/drop", "/api/dead-letters/" + a + "/replay", "/api/dead-letters/" + a + "/resend"} {
		if w := post(t, h, path, auth...); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d %s", path, w.Code, body(w))
		}
	}
	if !strings.Contains(e.logged(), "dead letter dropped: "+b) {
		t.Errorf("the drop was not logged:\n%s", e.logged())
	}
}

// A runtime without a dead-letter queue says so, and looking makes none.
func TestNoDeadLetterQueue(t *testing.T) {
	rt, err := baldur.New(baldur.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	h := admin.Handler(rt, admin.Options{Authorize: func(*http.Request) bool { return true }})
	var page letterPage
	get(t, h, "/api/dead-letters", &page)
	if page.Enabled || page.Letters == nil || len(page.Letters) != 0 {
		t.Fatalf("%+v", page)
	}
	if w := post(t, h, "/api/dead-letters/x/drop"); w.Code != http.StatusNotFound {
		t.Fatalf("drop: %d", w.Code)
	}
	if rt.DeadLettersInUse() {
		t.Fatal("the handler made a dead-letter queue")
	}
}

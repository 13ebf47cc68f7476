package admin_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/baldur-go/baldur/runtime/admin"
)

// The page links its assets relatively and the policy forbids anything
// from elsewhere.
func TestPageServedFromEmbeddedAssets(t *testing.T) {
	e := newEnv(t)
	h := e.handler(admin.Options{Refresh: 250e6})
	w := get(t, h, "/", nil)
	page := body(w)
	if w.Code != http.StatusOK || !strings.Contains(page, `src="assets/dashboard.js"`) || !strings.Contains(page, `href="assets/dashboard.css"`) || !strings.Contains(page, `content="250"`) {
		t.Fatalf("page: %d\n%s", w.Code, page)
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	for _, a := range []string{"/assets/dashboard.js", "/assets/dashboard.css"} {
		if w := get(t, h, a, nil); w.Code != http.StatusOK || w.Body.Len() < 500 {
			t.Errorf("GET %s: %d, %d bytes", a, w.Code, w.Body.Len())
		}
	}
}

// Nothing the page ships names another host.
func TestAssetsLoadNothingFromTheNetwork(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	fs.WalkDir(os.DirFS("assets"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile("assets/" + path)
		if m := url.Find(b); m != nil {
			t.Errorf("assets/%s refers to %s", path, m)
		}
		return nil
	})
}

// Mounted under a prefix, the bare prefix redirects to the page, whose
// relative links then resolve under it.
func TestMountedUnderPrefix(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	mux.Handle("/ops/baldur/", http.StripPrefix("/ops/baldur", e.handler(admin.Options{})))
	mux.Handle("/ops/baldur", http.StripPrefix("/ops/baldur", e.handler(admin.Options{})))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ops/baldur", nil))
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "baldur/" {
		t.Fatalf("GET /ops/baldur: %d Location %q", w.Code, w.Header().Get("Location"))
	}
	for _, path := range []string{"/ops/baldur/", "/ops/baldur/api/breakers", "/ops/baldur/assets/dashboard.js"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, w.Code)
		}
	}
}

package admin

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed assets
var embedded embed.FS

// assets are served under assets/; index.html is the page's template.
var assets fs.FS = embedded

var pageTemplate = template.Must(template.ParseFS(embedded, "assets/index.html"))

// page serves the dashboard. It links its script and style relatively,
// so it works under whatever prefix the handler is mounted.
func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTemplate.Execute(w, struct{ RefreshMillis int64 }{h.opts.Refresh.Milliseconds()})
}

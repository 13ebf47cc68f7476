// Package admin is the operator's HTTP surface of a Baldur runtime: a JSON
// API and a dashboard page that reads it.
//
//	mux.Handle("/baldur/", http.StripPrefix("/baldur", admin.Handler(rt, admin.Options{
//		Authorize: func(r *http.Request) bool { return isOperator(r) },
//	})))
//
// The API, relative to where the handler is mounted:
//
//	GET  api/breakers                         every breaker: state, since, window counts, rates
//	GET  api/policies                         every policy: layers, settings with their sources, overrides
//	GET  api/dead-letters?policy=&state=&limit=&after=   letters, oldest first, and the counts
//	GET  api/access                           whether this request may change anything
//	POST api/breakers/{name}/force-open|close|disable[?key=K]   K for a keyed breaker
//	POST api/dead-letters/{id}/replay|requeue|drop
//
// Reads are open unless Options.AuthorizeRead says otherwise. Every
// mutation needs Options.Authorize to return true, and without an
// Authorize there are none; a mutation a browser sends from another origin
// is refused before Authorize is asked (http.CrossOriginProtection), so a
// page elsewhere cannot use an operator's cookies. Every mutation, done
// or refused, is logged.
//
// The page at the handler's root polls the API and updates in place. Its
// script and style are embedded in the binary; it loads nothing from the
// network, and its Content-Security-Policy allows nothing else.
package admin

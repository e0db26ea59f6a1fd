package main

import (
	"fmt"
	"net/http"
	"os"
)

// withRestart serves POST /-/restart in front of h: it asks the serve loop
// for a hand-over (see restarter) and answers once it is done or has
// failed. Like /-/reload it needs --web.enable-lifecycle, else 403.
// stopped is closed when the serve loop no longer takes requests.
func withRestart(h http.Handler, enabled bool, reqs chan<- chan error, stopped <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("POST /-/restart", func(w http.ResponseWriter, r *http.Request) {
		if !enabled {
			http.Error(w, "Lifecycle API is not enabled: start rexporter with --web.enable-lifecycle.", http.StatusForbidden)
			return
		}
		reply := make(chan error, 1)
		select {
		case reqs <- reply:
		case <-stopped:
			http.Error(w, errNotHandedOver.Error(), http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
		if err := <-reply; err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "Handed over by pid %d\n", os.Getpid())
	})
	return mux
}

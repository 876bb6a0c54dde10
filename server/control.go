package server

import "net/http"

type statusBody struct {
	Status string `json:"status"`
}

// health is liveness: the process serves HTTP.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	respondJSON(w, r, http.StatusOK, statusBody{"ok"})
}

// readiness answers 200 once migrations ran and the fixtures are seeded.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		respondJSON(w, r, http.StatusServiceUnavailable, statusBody{"starting"})
		return
	}
	respondJSON(w, r, http.StatusOK, statusBody{"ready"})
}

// Package board serves the public waiting-room board (GET /board/{doctorId}): one HTML page
// with inline CSS and JavaScript, no build step. The page paints the masked snapshot
// (GET /api/v1/doctors/{id}/board), then watches the doctor's queue over the WebSocket API
// with the display token in its URL fragment (never sent to a server by the browser),
// keeps the snapshot with the highest version, and on any close reconnects with backoff and
// re-syncs from the snapshot route. Without a display token it polls the snapshot route. It
// must never embed anything but the doctor id and the socket URL in the page, and never show
// a patient's name (snapshots carry initials only).
package board

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

//go:embed board.html
var pageSource string

var page = template.Must(template.New("board").Parse(pageSource))

// SocketURL is the WebSocket URL browsers connect to, as ws(s)://, from the @connections
// endpoint u (config.Config.ConnectionsEndpoint: the SDK's management endpoint override when
// one is set, else the API's stage URL from WEBSOCKET_ENDPOINT, the same precedence wsconn
// uses; on AWS both name the stage).
func SocketURL(u string) string {
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u
}

// Page builds GET /board/{doctorId}.
func Page(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	ws := SocketURL(d.Config.ConnectionsEndpoint())
	return func(r *http.Request) (*httpapi.Response, error) {
		id := r.PathValue("doctorId")
		if !clinic.ValidID(id) {
			return nil, errs.Validation(errs.Field("doctorId", "must be a doctor id (1-64 of A-Z a-z 0-9 _ -)"))
		}
		if _, err := httpapi.Query(r); err != nil {
			return nil, err
		}
		nb := make([]byte, 16)
		_, _ = rand.Read(nb)
		nonce := base64.RawStdEncoding.EncodeToString(nb)
		var buf bytes.Buffer
		if err := page.Execute(&buf, map[string]string{"DoctorID": id, "SocketURL": ws, "Nonce": nonce}); err != nil {
			return nil, err
		}
		h := http.Header{}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; script-src 'nonce-"+nonce+
			"'; connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
		return &httpapi.Response{Status: http.StatusOK, Header: h, Body: buf.Bytes()}, nil
	}, nil
}

package lendingapi

import (
	"context"
	"net/http"

	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

type alertView struct {
	AlertID     string   `json:"alertId"`
	UserID      string   `json:"userId"`
	WindowStart string   `json:"windowStart"`
	WindowEnd   string   `json:"windowEnd"`
	Count       int      `json:"count"`
	TxIDs       []string `json:"txIds"`
	CreatedAt   string   `json:"createdAt"`
}

// FraudAlerts builds GET /api/v1/fraud/alerts?limit=&cursor= (admin): newest first.
func FraudAlerts(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	x, err := newDeps(d, false)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		q, err := httpapi.Query(r, "limit", "cursor")
		if err != nil {
			return nil, err
		}
		limit, err := page.Limit(q, 50, 200)
		if err != nil {
			return nil, err
		}
		start, err := page.Decode(q, map[string]string{"gsi1pk": lendingstore.AlertsIndexPK}, "pk", "sk", "gsi1pk", "gsi1sk")
		if err != nil {
			return nil, err
		}
		items, last, err := x.loans.Alerts(r.Context(), limit, start)
		if err != nil {
			return nil, err
		}
		out := make([]alertView, len(items))
		for i, a := range items {
			out[i] = alertView{AlertID: a.AlertID, UserID: a.UserID, WindowStart: a.WindowStart, WindowEnd: a.WindowEnd,
				Count: a.Count, TxIDs: a.TxIDs, CreatedAt: a.CreatedAt}
		}
		next, err := page.Encode(last)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": out, "nextCursor": next})
	}, nil
}

package lendingapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// alertsPage is the paging of GET /api/v1/fraud/alerts: limit 1..200, default 50, one Query
// of gsi1 FRAUDALERTS per page.
var alertsPage = page.Spec{Default: 50, Max: 200, Bound: map[string]string{"gsi1pk": lendingstore.AlertsIndexPK},
	Keys: []string{"pk", "sk", "gsi1pk", "gsi1sk"}, List: "fraud.alerts"}

// FraudAlerts builds GET /api/v1/fraud/alerts?limit=&cursor= (admin): newest first.
func FraudAlerts(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onList(d, alertsPage, func(r *http.Request, x *deps, limit int, start map[string]types.AttributeValue) (*httpapi.Response, error) {
		items, last, err := x.loans.Alerts(r.Context(), limit, start)
		if err != nil {
			return nil, err
		}
		out := make([]alertView, len(items))
		for i, a := range items {
			out[i] = alertView{AlertID: a.AlertID, UserID: a.UserID, WindowStart: a.WindowStart, WindowEnd: a.WindowEnd,
				Count: a.Count, TxIDs: a.TxIDs, CreatedAt: a.CreatedAt}
		}
		next, err := alertsPage.Next(last)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": out, "nextCursor": next})
	})
}

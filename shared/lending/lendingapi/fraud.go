package lendingapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/problem"
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

type alertCursor struct {
	PK, SK, GSI1PK, GSI1SK string
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
		limit := 50
		if s, ok := q["limit"]; ok {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 200 || len(s) > 3 {
				return nil, problem.Validation(problem.Field("limit", "must be an integer between 1 and 200"))
			}
			limit = n
		}
		var start map[string]types.AttributeValue
		if s, ok := q["cursor"]; ok {
			var c alertCursor
			raw, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil || len(s) > 1024 || json.Unmarshal(raw, &c) != nil || c.GSI1PK != "FRAUDALERTS" || c.PK == "" {
				return nil, problem.Validation(problem.Field("cursor", "is not a cursor this list issued"))
			}
			start, _ = attributevalue.MarshalMap(map[string]string{"pk": c.PK, "sk": c.SK, "gsi1pk": c.GSI1PK, "gsi1sk": c.GSI1SK})
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
		var next *string
		if len(last) > 0 {
			var c struct {
				PK     string `dynamodbav:"pk"`
				SK     string `dynamodbav:"sk"`
				GSI1PK string `dynamodbav:"gsi1pk"`
				GSI1SK string `dynamodbav:"gsi1sk"`
			}
			if err := attributevalue.UnmarshalMap(last, &c); err != nil {
				return nil, err
			}
			b, _ := json.Marshal(alertCursor{PK: c.PK, SK: c.SK, GSI1PK: c.GSI1PK, GSI1SK: c.GSI1SK})
			s := base64.RawURLEncoding.EncodeToString(b)
			next = &s
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": out, "nextCursor": next})
	}, nil
}

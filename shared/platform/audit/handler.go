package audit

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

var actionPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,127}$`)

// listResponse is the wire page.
type listResponse struct {
	Items      []Record `json:"items"`
	NextCursor *string  `json:"nextCursor"`
}

// ListHandler builds GET /api/v1/audit: filters actor, action, entity ("type:id"), from, to
// (RFC 3339, inclusive), limit (1..200, default 50) and cursor; newest first. The cursor is
// bound to the filters (actor, action, entity) and pins the time range the first page resolved.
func ListHandler(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	if d.Config.AuditTable == "" {
		return nil, errors.New("audit list: AUDIT_TABLE is not set")
	}
	store := NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock)
	return func(r *http.Request) (*httpapi.Response, error) {
		q, cur, err := parseQuery(r)
		if err != nil {
			return nil, err
		}
		p, err := store.Query(r.Context(), q)
		if err != nil {
			return nil, err
		}
		out := listResponse{Items: p.Items}
		if out.Items == nil {
			out.Items = []Record{}
		}
		if out.NextCursor, err = cur.Next(p.Next); err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, out)
	}, nil
}

// listCursor is the cursor codec of the audit query q: bound to its filters.
func listCursor(q Query) page.Cursor {
	return page.For("audit", q.Actor, q.Action, q.EntityType, q.EntityID)
}

func parseQuery(r *http.Request) (Query, page.Cursor, error) {
	params, err := httpapi.Query(r, "actor", "action", "entity", "from", "to", "limit", "cursor")
	if err != nil {
		return Query{}, page.Cursor{}, err
	}
	var v errs.Validator
	q := Query{Actor: params["actor"], Action: params["action"]}
	if s, ok := params["actor"]; ok {
		v.Check(s != "" && len(s) <= 128, "actor", "must be 1..128 characters")
	}
	if s, ok := params["action"]; ok {
		v.Check(actionPattern.MatchString(s), "action", "must be an action name such as profile.update")
	}
	if s, ok := params["entity"]; ok {
		e, err := ParseEntity(s)
		if v.Check(err == nil && len(s) <= 256, "entity", "must be type:id, e.g. loan:7f3c…, at most 256 characters") {
			q.EntityType, q.EntityID = e.Type, e.ID
		}
	}
	q.From = parseTime(&v, params, "from")
	q.To = parseTime(&v, params, "to")
	if !q.From.IsZero() && !q.To.IsZero() && q.From.After(q.To) {
		v.Add("from", "must not be after to")
	}
	if n, err := page.Limit(params, 0, MaxLimit); v.Merge(err) == nil && err == nil {
		q.Limit = n // 0 when absent: the store's default
	}
	if err := v.Err(); err != nil {
		return Query{}, page.Cursor{}, err
	}
	cur := listCursor(q)
	var after Position
	if ok, err := cur.Parse(params, &after); err != nil {
		return Query{}, page.Cursor{}, err
	} else if ok {
		q.After = &after
	}
	return q, cur, nil
}

func parseTime(v *errs.Validator, params map[string]string, name string) time.Time {
	s, ok := params[name]
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if !v.Check(err == nil, name, "must be an RFC 3339 time such as 2025-01-31T00:00:00Z") {
		return time.Time{}
	}
	// The platform's dates (clock.MinDate…MaxDate): a range of centuries would have the store
	// walk that many day partitions.
	t = t.UTC()
	day := clock.NewDate(t.Year(), t.Month(), t.Day())
	if !v.Check(!day.Before(clock.MinDate) && !day.After(clock.MaxDate), name, "must be a time between 2000-01-01 and 2099-12-31") {
		return time.Time{}
	}
	return t
}

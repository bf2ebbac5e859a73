package notifyapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

type tenantPage struct {
	Items []struct {
		TenantID string `json:"tenantId"`
	} `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// TestListTenantsPages: the tenant list pages through more tenants than one page, each exactly
// once in ID order, the last page with a null nextCursor; a cursor of another list, edited,
// of the old format or never issued is the one 400 invalid_cursor and changes nothing.
func TestListTenantsPages(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{})
	platformtest.CreateTables(t, d.DynamoDB, platformtest.Table{LogicalID: "NotifyTable", Name: notifyTable})
	env := notifyqueue.Env{Table: notifyTable, QueueURLs: map[notify.Channel]string{}, DefaultProvider: notify.ProviderSandbox}
	st := notifystore.New(d.DynamoDB, notifyTable)
	var want []string
	for i := 7; i >= 1; i-- { // registered out of order: listed in ID order
		id := fmt.Sprintf("tenant-%02d", i)
		if err := st.PutTenant(context.Background(), notify.Tenant{ID: id, Name: id, CreatedAt: time.Date(2025, 1, i, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{id}, want...)
	}
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/tenants", d, notifyapi.ListTenantsWith(func() notifyqueue.Env { return env }))
	if err != nil {
		t.Fatal(err)
	}
	call := func(query string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp, err := fn.Invoke(context.Background(), platformtest.Call{Path: "/api/v1/tenants", Query: query, Sub: "root", Roles: []string{"admin"}}.Event())
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var firstCursor string
	for _, limit := range []int{1, 2, 3} {
		var got []string
		q := "limit=" + strconv.Itoa(limit)
		for n := 0; ; n++ {
			r := call(q)
			var p tenantPage
			platformtest.JSON(t, r, &p)
			if r.StatusCode != 200 || len(p.Items) > limit || n > 10 {
				t.Fatalf("%s: %d %s", q, r.StatusCode, r.Body)
			}
			for _, it := range p.Items {
				got = append(got, it.TenantID)
			}
			if p.NextCursor == nil {
				break
			}
			if firstCursor == "" {
				firstCursor = *p.NextCursor
			}
			q = "limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}

	forged := func(c page.Cursor, pos any) string {
		t.Helper()
		s, err := c.Encode(pos)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tampered := []byte(firstCursor)
	tampered[len(tampered)/2] ^= 1
	before := items(t, d)
	for name, c := range map[string]string{
		"old format (base64 tenant ID)": "dGVuYW50LTAx",
		"another list's cursor":         forged(page.For("doctors"), map[string]string{"after": "tenant-01"}),
		"never issued: not a tenant ID": forged(page.For("tenants"), map[string]string{"after": "../../x"}),
		"never issued: empty":           forged(page.For("tenants"), map[string]string{"after": ""}),
		"tampered":                      string(tampered),
		"truncated":                     firstCursor[:len(firstCursor)-3],
		"empty":                         "",
		"html":                          "<script>",
	} {
		r := call("cursor=" + url.QueryEscape(c))
		var p problem.Document
		platformtest.JSON(t, r, &p)
		want := errs.InvalidCursor()
		if r.StatusCode != 400 || p.Code != errs.CodeInvalidCursor || p.Detail != want.Detail || len(p.Errors) != 1 ||
			p.Errors[0].Field != "cursor" || p.Errors[0].Message != want.Fields[0].Message {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
	}
	if after := items(t, d); after != before {
		t.Fatalf("refused cursors changed the table: %d → %d items", before, after)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x"} {
		var p problem.Document
		if r := call(q); r.StatusCode != 400 || json.Unmarshal([]byte(r.Body), &p) != nil || p.Code != errs.CodeValidation {
			t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
		}
	}
}

func items(t *testing.T, d *httpapi.Deps) int {
	t.Helper()
	out, err := d.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(notifyTable), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

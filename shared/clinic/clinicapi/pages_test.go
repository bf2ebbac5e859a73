package clinicapi_test

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

// TestListDoctorsPages: the doctors list pages through more doctors than one page, each
// exactly once in registration order, the last page with a null nextCursor; a cursor of
// another list or partition, of the old format, edited or truncated is the one 400
// invalid_cursor, and neither table changes.
func TestListDoctorsPages(t *testing.T) {
	e := clinicSetup(t)
	clk := e.d.Clock.(*clock.Fixed)
	var want []string
	for range 7 {
		clk.Advance(time.Minute)
		r := e.call(t, "POST /api/v1/doctors", "", withBody(admin, doctorOK))
		var d struct{ ID string }
		platformtest.JSON(t, r, &d)
		if r.StatusCode != 201 || d.ID == "" {
			t.Fatalf("create doctor %d %s", r.StatusCode, r.Body)
		}
		want = append(want, d.ID)
	}
	type doctorsPage struct {
		Items      []struct{ ID string }
		NextCursor *string `json:"nextCursor"`
	}
	var second string
	for _, limit := range []int{1, 2, 3} {
		var got []string
		q := "limit=" + strconv.Itoa(limit)
		for n := 0; ; n++ {
			r := e.call(t, "GET /api/v1/doctors", "", withQuery(recep, q))
			var p doctorsPage
			platformtest.JSON(t, r, &p)
			if r.StatusCode != 200 || len(p.Items) > limit || n > 10 {
				t.Fatalf("%s: %d %s", q, r.StatusCode, r.Body)
			}
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if p.NextCursor == nil {
				break
			}
			if second == "" {
				second = *p.NextCursor
			}
			q = "limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}

	key := func(gsi1pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "DOCTOR#x"},
			"sk": &types.AttributeValueMemberS{Value: "DOCTOR"}, "gsi1pk": &types.AttributeValueMemberS{Value: gsi1pk},
			"gsi1sk": &types.AttributeValueMemberS{Value: "2025-01-15T10:00:00Z#x"}}
	}
	forged := func(c page.Cursor, last map[string]types.AttributeValue) string {
		t.Helper()
		s, err := c.NextKey(last)
		if err != nil || s == nil {
			t.Fatal(s, err)
		}
		return *s
	}
	noSK := key("DOCTORS")
	delete(noSK, "gsi1sk")
	tampered := []byte(second)
	tampered[len(tampered)/2] ^= 1
	clinicBefore, connBefore := e.items(t, clinicTable), e.items(t, connectionsTable)
	for name, c := range map[string]string{
		"the fraud alerts' cursor":    forged(page.For("fraud.alerts"), key("FRAUDALERTS")),
		"an unnamed key list's":       forged(page.For("key"), key("DOCTORS")),
		"another partition":           forged(page.For("doctors"), key("FRAUDALERTS")),
		"a key without its sort key":  forged(page.For("doctors"), noSK),
		"old format (a bare key)":     "eyJnc2kxcGsiOiJET0NUT1JTIiwiZ3NpMXNrIjoieCIsInBrIjoieCIsInNrIjoieCJ9",
		"tampered":                    string(tampered),
		"truncated":                   second[:len(second)-1],
		"empty":                       "",
		"a position of another shape": func() string { s, _ := page.For("doctors").Encode(map[string]uint64{"before": 3}); return s }(),
	} {
		r := e.call(t, "GET /api/v1/doctors", "", withQuery(recep, "cursor="+url.QueryEscape(c)))
		var p problem.Document
		platformtest.JSON(t, r, &p)
		want := errs.InvalidCursor()
		if r.StatusCode != 400 || p.Code != errs.CodeInvalidCursor || p.Detail != want.Detail || len(p.Errors) != 1 ||
			p.Errors[0].Field != "cursor" || p.Errors[0].Message != want.Fields[0].Message {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
	}
	if !slices.Equal(e.items(t, clinicTable), clinicBefore) || !slices.Equal(e.items(t, connectionsTable), connBefore) {
		t.Fatal("refused cursors changed a table")
	}
}

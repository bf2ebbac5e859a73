package clinicapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"holdfast/shared/clinic/board"
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs against the package's emulator (moto), as the other in-process route tests do.
func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	clinicTable      = "holdfast-clinic"
	connectionsTable = "holdfast-connections"
)

// builds is every clinic route's handler, by route key.
var builds = map[string]lambdahttp.Build{
	"POST /api/v1/doctors":                              clinicapi.CreateDoctor,
	"PUT /api/v1/doctors/{id}/user":                     clinicapi.SetDoctorUser,
	"GET /api/v1/doctors":                               clinicapi.ListDoctors,
	"GET /api/v1/doctors/{id}/slots":                    clinicapi.Slots,
	"POST /api/v1/appointments":                         clinicapi.Book,
	"GET /api/v1/appointments/{id}":                     clinicapi.GetAppointment,
	"POST /api/v1/appointments/{id}/cancel":             clinicapi.Cancel,
	"POST /api/v1/appointments/{id}/check-in":           clinicapi.CheckIn,
	"POST /api/v1/appointments/{id}/emergency-check-in": clinicapi.EmergencyCheckIn,
	"POST /api/v1/appointments/{id}/skip":               clinicapi.Skip,
	"POST /api/v1/appointments/{id}/complete":           clinicapi.Complete,
	"POST /api/v1/doctors/{id}/queue/next":              clinicapi.QueueNext,
	"GET /api/v1/doctors/{id}/queue":                    clinicapi.Queue,
	"GET /api/v1/doctors/{id}/stats":                    clinicapi.Stats,
	"GET /api/v1/doctors/{id}/board":                    clinicapi.BoardSnapshot,
	"POST /api/v1/doctors/{id}/display-tokens":          clinicapi.IssueDisplayToken,
	"GET /board/{doctorId}":                             board.Page,
}

type clinicEnv struct {
	d   *httpapi.Deps
	fns map[string]*lambdahttp.Function
}

// clinicSetup builds every clinic route in process against fresh audit, idempotency, clinic
// and connections tables. The clock is 2025-01-15 10:00 UTC (15:30 in Asia/Kolkata).
func clinicSetup(t *testing.T) *clinicEnv {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{
			"HOLDFAST_VERSION":         "test",
			"AWS_LAMBDA_FUNCTION_NAME": "holdfast-test",
			"AUDIT_TABLE":              platformtest.AuditTable,
			"IDEMPOTENCY_TABLE":        platformtest.IdempotencyTable,
			"CLINIC_TABLE":             clinicTable,
			"CONNECTIONS_TABLE":        connectionsTable,
			"LOG_LEVEL":                "DEBUG",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &clinicEnv{d: platformtest.Deps(t, platformtest.Options{Config: cfg,
		Clock: clock.NewFixed(time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC))}), fns: map[string]*lambdahttp.Function{}}
	platformtest.CreateTables(t, e.d.DynamoDB, platformtest.Table{LogicalID: "ClinicTable", Name: clinicTable},
		platformtest.Table{LogicalID: "ConnectionsTable", Name: connectionsTable})
	for rk, b := range builds {
		fn, err := lambdahttp.New(context.Background(), rk, e.d, b)
		if err != nil {
			t.Fatal(err)
		}
		e.fns[rk] = fn
	}
	return e
}

// call invokes route rk with its one path parameter ({id} or {doctorId}) set to id.
func (e *clinicEnv) call(t *testing.T, rk, id string, c platformtest.Call) events.APIGatewayV2HTTPResponse {
	t.Helper()
	fn, ok := e.fns[rk]
	if !ok {
		t.Fatalf("no function for %s", rk)
	}
	method, path, _ := strings.Cut(rk, " ")
	c.Method, c.RouteKey = method, rk
	for _, p := range []string{"id", "doctorId"} {
		if strings.Contains(path, "{"+p+"}") {
			// API Gateway delivers the raw path percent-encoded and the parameter decoded.
			path = strings.ReplaceAll(path, "{"+p+"}", url.PathEscape(id))
			c.PathParams = map[string]string{p: id}
		}
	}
	c.Path = path
	resp, err := fn.Invoke(context.Background(), c.Event())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// items is every item of table as canonical JSON, sorted (platformtest.Items).
func (e *clinicEnv) items(t *testing.T, table string) []string {
	t.Helper()
	return platformtest.Items(t, e.d.DynamoDB, table)
}

func withBody(c platformtest.Call, body string) platformtest.Call {
	c.Body = body
	return c
}

func withQuery(c platformtest.Call, q string) platformtest.Call {
	c.Query = q
	return c
}

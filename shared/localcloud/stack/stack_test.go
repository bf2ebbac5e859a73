package stack

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/localcloud/emulator/emulatortest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

func repoTemplate(t *testing.T) *Template {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	tpl, err := Load(filepath.Join(filepath.Dir(file), "..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func pseudo() map[string]string {
	return map[string]string{"AWS::Region": emulator.Region, "AWS::AccountId": emulator.AccountID,
		"AWS::StackName": "holdfast-local", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
}

func TestDeployRepoTemplate(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := context.Background()
	tpl := repoTemplate(t)
	d, err := Deploy(ctx, tpl, NewClients(cfg), map[string]string{"Stage": "local", "Mode": "local"}, pseudo())
	if err != nil {
		t.Fatal(err)
	}
	// Every table of the template exists with its stream where declared.
	tables, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tables.TableNames), len(tpl.OfType("AWS::DynamoDB::Table")); got != want {
		t.Fatalf("tables = %v, want %d", tables.TableNames, want)
	}
	if len(d.Streams) == 0 || d.Streams[0].TableName != "holdfast-local-lending" || !strings.Contains(d.Streams[0].StreamARN, "stream") {
		t.Fatalf("stream mappings = %+v", d.Streams)
	}
	q, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(q.QueueUrls), len(tpl.OfType("AWS::SQS::Queue")); got != want {
		t.Fatalf("queues = %v, want %d", q.QueueUrls, want)
	}
	rules, err := eventbridge.NewFromConfig(cfg).ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: strPtr("holdfast-local")})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range rules.Rules {
		names[*r.Name] = true
	}
	for _, r := range tpl.OfType("AWS::Events::Rule") {
		if !names[d.refs[r.LogicalID]] {
			t.Errorf("rule %s not on the bus (have %v)", r.LogicalID, names)
		}
	}
	// Functions get the template's environment, resolved.
	me := d.Functions["MeGetFunction"]
	if me == nil || me.Env["LENDING_TABLE"] != "holdfast-local-lending" || me.Env["HOLDFAST_MODE"] != "local" || me.CodeDir != "me-get" {
		t.Fatalf("MeGetFunction = %+v", me)
	}
	auth := d.Functions["WsAuthorizerFunction"]
	if auth.Env["JWKS_URL"] != "https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_EXAMPLE/.well-known/jwks.json" {
		t.Fatalf("JWKS_URL = %q", auth.Env["JWKS_URL"])
	}
	if d.WebSocket == nil || d.WebSocket.Routes["$connect"] != "WsConnectFunction" || d.WebSocket.Authorizer != "WsAuthorizerFunction" || d.WebSocket.IdentityQuery != "token" {
		t.Fatalf("websocket = %+v", d.WebSocket)
	}
	if len(d.SQS) == 0 || d.SQS[0].QueueURL == "" || !d.SQS[0].ReportBatchItemFailures {
		t.Fatalf("sqs mappings = %+v", d.SQS)
	}
	// Deploying again onto the same emulator keeps what exists.
	if _, err := Deploy(ctx, tpl, NewClients(cfg), map[string]string{"Stage": "local", "Mode": "local"}, pseudo()); err != nil {
		t.Fatalf("second deploy: %v", err)
	}
}

func TestResolverIntrinsics(t *testing.T) {
	tpl, err := Parse([]byte(`
Parameters:
  Stage: {Type: String, Default: dev}
  Empty: {Type: String, Default: ""}
Conditions:
  HasEmpty: !Not [!Equals [!Ref Empty, ""]]
  IsDev: !Equals [!Ref Stage, dev]
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Stage}-q"
      A: !Sub "arn:${AWS::Region}:${Q.Arn}:${!Literal}"
      B: !If [HasEmpty, yes, !Ref AWS::NoValue]
      C: !If [IsDev, dev-value, other]
      D: !Join [",", [a, !Ref Stage]]
      E: {"Fn::Sub": ["${X}-${Stage}", {X: !Ref Stage}]}
      F: {"Fn::GetAtt": [Q, QueueName]}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := &Deployment{T: tpl, Region: "r", Account: "1", refs: map[string]string{}, attrs: map[string]map[string]string{}}
	d.R, err = NewResolver(tpl, nil, map[string]string{"AWS::Region": "r", "AWS::StackName": "s"}, d)
	if err != nil {
		t.Fatal(err)
	}
	d.nameEverything()
	p, err := d.props(tpl.Resources["Q"])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"QueueName": "dev-q", "A": "arn:r:arn:aws:sqs:r:1:dev-q:${Literal}", "C": "dev-value", "D": "a,dev", "E": "dev-dev", "F": "dev-q"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if _, ok := p["B"]; ok {
		t.Errorf("B should be removed by AWS::NoValue, got %v", p["B"])
	}
	if _, err := NewResolver(tpl, map[string]string{"Nope": "x"}, nil, d); err == nil {
		t.Error("unknown parameter override accepted")
	}
}

func strPtr(s string) *string { return &s }

// CreateTable makes one table of the template under another name, whole: keys, every index,
// the stream and the TTL, as the template declares them. It is what tests build their tables
// with, so a table it shortened would shorten every test's.
func TestCreateTableIsTheTemplatesTableUnderAnotherName(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(cfg)
	tpl := repoTemplate(t)
	desc, err := CreateTable(ctx, tpl, db, "LendingTable", "test-lending")
	if err != nil {
		t.Fatal(err)
	}
	var keys, indexes []string
	for _, k := range desc.KeySchema {
		keys = append(keys, *k.AttributeName+":"+string(k.KeyType))
	}
	for _, g := range desc.GlobalSecondaryIndexes {
		indexes = append(indexes, *g.IndexName+":"+string(g.Projection.ProjectionType))
	}
	if *desc.TableName != "test-lending" || strings.Join(keys, ",") != "pk:HASH,sk:RANGE" ||
		strings.Join(indexes, ",") != "gsi1:ALL,gsi2:ALL" || desc.StreamSpecification == nil ||
		desc.StreamSpecification.StreamViewType != "NEW_AND_OLD_IMAGES" || desc.LatestStreamArn == nil {
		t.Fatalf("table %s keys %v indexes %v stream %+v", *desc.TableName, keys, indexes, desc.StreamSpecification)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: desc.TableName})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.AttributeName == nil || *d.AttributeName != "expiresAt" || d.TimeToLiveStatus != "ENABLED" {
		t.Fatalf("TTL %+v, want ENABLED on expiresAt", ttl.TimeToLiveDescription)
	}
	// A table without a stream or TTL gets neither.
	audit, err := CreateTable(ctx, tpl, db, "AuditTable", "test-audit")
	if err != nil {
		t.Fatal(err)
	}
	if audit.LatestStreamArn != nil || len(audit.GlobalSecondaryIndexes) != 3 {
		t.Fatalf("audit table stream %v, %d indexes", audit.LatestStreamArn, len(audit.GlobalSecondaryIndexes))
	}
	for _, id := range []string{"NoSuchTable", "EventBus"} {
		if _, err := CreateTable(ctx, tpl, db, id, "x"); err == nil {
			t.Errorf("CreateTable(%s) made a table", id)
		}
	}
}

package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Function is a deployable function with everything the local cloud needs to run it.
type Function struct {
	LogicalID string
	CodeDir   string // base name of CodeUri: functions/<CodeDir>
	Env       map[string]string
	Timeout   time.Duration
	MemoryMB  int
}

// SQSMapping is an SQS event source of a function.
type SQSMapping struct {
	Function                string
	QueueARN, QueueURL      string
	BatchSize               int
	Window                  time.Duration
	ReportBatchItemFailures bool
	FIFO                    bool
}

// StreamMapping is a DynamoDB stream event source of a function.
type StreamMapping struct {
	Function                string
	TableName, StreamARN    string
	StartingPosition        string
	BatchSize               int
	MaximumRetryAttempts    int // -1: unlimited (AWS default)
	ReportBatchItemFailures bool
}

// Schedule is a Schedule / ScheduleV2 event of a function.
type Schedule struct {
	Name       string // "<Function>.<Event>"
	Function   string
	Expression string
	Input      string
	Enabled    bool
}

// WebSocketAPI is the template's WebSocket API.
type WebSocketAPI struct {
	APIID      string
	Stage      string
	Routes     map[string]string // route key ($connect, $disconnect, $default, custom) → function
	Authorizer string            // function authorizing $connect, if any
	// IdentityQuery is the query parameter the authorizer's identity source names
	// (route.request.querystring.<name>); API Gateway refuses $connect without it.
	IdentityQuery  string
	SelectionField string // from RouteSelectionExpression $request.body.<field>
}

// Deployment is the template made concrete on an emulator.
type Deployment struct {
	T         *Template
	R         *Resolver
	Region    string
	Account   string
	Functions map[string]*Function
	Routes    []HTTPRoute
	SQS       []SQSMapping
	Streams   []StreamMapping
	Schedules []Schedule
	WebSocket *WebSocketAPI

	refs  map[string]string
	attrs map[string]map[string]string
}

// Ref implements Attrs.
func (d *Deployment) Ref(id string) (string, error) {
	if v, ok := d.refs[id]; ok {
		return v, nil
	}
	return "", fmt.Errorf("!Ref %s: not created yet", id)
}

// GetAtt implements Attrs.
func (d *Deployment) GetAtt(id, attr string) (string, error) {
	if v, ok := d.attrs[id][attr]; ok {
		return v, nil
	}
	return "", fmt.Errorf("!GetAtt %s.%s: not available", id, attr)
}

// Clients are the SDK clients deployment uses.
type Clients struct {
	DynamoDB    *dynamodb.Client
	SQS         *sqs.Client
	EventBridge *eventbridge.Client
}

// NewClients builds clients from one config.
func NewClients(cfg aws.Config) Clients {
	return Clients{DynamoDB: dynamodb.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg), EventBridge: eventbridge.NewFromConfig(cfg)}
}

// Deploy creates every table, queue, bus, archive, rule and queue policy of the template on the
// emulator (existing ones are kept), then resolves functions, routes and event sources.
func Deploy(ctx context.Context, t *Template, c Clients, params, pseudo map[string]string) (*Deployment, error) {
	d := &Deployment{T: t, Region: pseudo["AWS::Region"], Account: pseudo["AWS::AccountId"],
		Functions: map[string]*Function{}, refs: map[string]string{}, attrs: map[string]map[string]string{}}
	r, err := NewResolver(t, params, pseudo, d)
	if err != nil {
		return nil, err
	}
	d.R = r
	d.nameEverything()
	for _, res := range t.OfType("AWS::DynamoDB::Table") {
		if err := d.createTable(ctx, c.DynamoDB, res); err != nil {
			return nil, err
		}
	}
	queues := t.OfType("AWS::SQS::Queue")
	sort.SliceStable(queues, func(i, j int) bool { // dead-letter queues first
		return get(queues[i].Properties, "RedrivePolicy") == nil && get(queues[j].Properties, "RedrivePolicy") != nil
	})
	for _, res := range queues {
		if err := d.createQueue(ctx, c.SQS, res); err != nil {
			return nil, err
		}
	}
	for _, res := range t.OfType("AWS::Events::EventBus") {
		if err := d.createBus(ctx, c.EventBridge, res); err != nil {
			return nil, err
		}
	}
	for _, res := range t.OfType("AWS::Events::Archive") {
		if err := d.createArchive(ctx, c.EventBridge, res); err != nil {
			return nil, err
		}
	}
	for _, res := range t.OfType("AWS::Events::Rule") {
		if err := d.createRule(ctx, c.EventBridge, res); err != nil {
			return nil, err
		}
	}
	for _, res := range t.OfType("AWS::SQS::QueuePolicy") {
		if err := d.applyQueuePolicy(ctx, c.SQS, res); err != nil {
			return nil, err
		}
	}
	if err := d.resolveFunctions(); err != nil {
		return nil, err
	}
	if err := d.resolveWebSocket(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Deployment) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, d.Region, d.Account, resource)
}

// nameEverything fixes physical names and deterministic ARNs before anything is created, so
// resources may reference each other in any order.
func (d *Deployment) nameEverything() {
	stackName := d.R.Pseudo["AWS::StackName"]
	nameOf := func(res *Resource, prop string) string {
		if n := get(res.Properties, prop); n != nil {
			if s, err := d.R.String(n); err == nil && s != "" {
				return s
			}
		}
		return stackName + "-" + res.LogicalID
	}
	for _, id := range d.T.order {
		res := d.T.Resources[id]
		at := map[string]string{}
		switch res.Type {
		case "AWS::DynamoDB::Table":
			name := nameOf(res, "TableName")
			d.refs[id] = name
			at["Arn"] = d.arn("dynamodb", "table/"+name)
		case "AWS::SQS::Queue":
			name := nameOf(res, "QueueName")
			at["QueueName"] = name
			at["Arn"] = d.arn("sqs", name)
		case "AWS::Events::EventBus":
			name := nameOf(res, "Name")
			d.refs[id] = name
			at["Name"] = name
			at["Arn"] = d.arn("events", "event-bus/"+name)
		case "AWS::Events::Rule":
			name := nameOf(res, "Name")
			d.refs[id] = name
			bus := "default"
			if b := get(res.Properties, "EventBusName"); b != nil {
				if s, err := d.R.String(b); err == nil {
					bus = s
				}
			}
			at["Arn"] = d.arn("events", "rule/"+bus+"/"+name)
		case "AWS::Serverless::Function":
			d.refs[id] = id
			at["Arn"] = d.arn("lambda", "function:"+id)
		case "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi":
			d.refs[id] = strings.ToLower(id)
		default:
			d.refs[id] = id
		}
		d.attrs[id] = at
	}
}

func (d *Deployment) props(res *Resource) (map[string]any, error) {
	v, err := d.R.Value(res.Properties)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", res.LogicalID, err)
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func (d *Deployment) createTable(ctx context.Context, db *dynamodb.Client, res *Resource) error {
	desc, err := createTable(ctx, d.R, db, res, d.refs[res.LogicalID])
	if err != nil {
		return err
	}
	if desc.LatestStreamArn != nil {
		d.attrs[res.LogicalID]["StreamArn"] = *desc.LatestStreamArn
	}
	return nil
}

// CreateTable creates the table t declares as logicalID, named name instead of its TableName,
// as Deploy creates every table (an existing table of that name is kept): its keys, indexes,
// stream and TTL. It is how tests create their tables, so that no copy of a table's definition
// can drift from the template.
func CreateTable(ctx context.Context, t *Template, db *dynamodb.Client, logicalID, name string) (*ddbtypes.TableDescription, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("the template declares no table %s", logicalID)
	}
	// Only the definition is resolved, never TableName: no parameter or pseudo value is needed.
	return createTable(ctx, &Resolver{T: t, Params: map[string]string{}}, db, res, name)
}

// createTable creates res under name from its resolved definition and returns its description.
func createTable(ctx context.Context, r *Resolver, db *dynamodb.Client, res *Resource, name string) (*ddbtypes.TableDescription, error) {
	p := map[string]any{}
	for _, prop := range []string{"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "StreamSpecification", "TimeToLiveSpecification"} {
		v, err := r.Value(get(res.Properties, prop))
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", res.LogicalID, prop, err)
		}
		if v != nil {
			p[prop] = v
		}
	}
	in := &dynamodb.CreateTableInput{TableName: &name, BillingMode: ddbtypes.BillingModePayPerRequest}
	for _, a := range list(p["AttributeDefinitions"]) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(str(a, "AttributeName")), AttributeType: ddbtypes.ScalarAttributeType(str(a, "AttributeType"))})
	}
	in.KeySchema = keySchema(p["KeySchema"])
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		gm := g.(map[string]any)
		proj := ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(str(gm["Projection"], "ProjectionType"))}
		for _, k := range list(mapOf(gm["Projection"])["NonKeyAttributes"]) {
			proj.NonKeyAttributes = append(proj.NonKeyAttributes, fmt.Sprint(k))
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName: aws.String(str(gm, "IndexName")), KeySchema: keySchema(gm["KeySchema"]), Projection: &proj})
	}
	if s := mapOf(p["StreamSpecification"]); s != nil {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(str(s, "StreamViewType"))}
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		var inUse *ddbtypes.ResourceInUseException
		if !errors.As(err, &inUse) {
			return nil, fmt.Errorf("create table %s: %w", name, err)
		}
	}
	if ttl := mapOf(p["TimeToLiveSpecification"]); ttl != nil && ttl["Enabled"] == true {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &name,
			TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(str(ttl, "AttributeName")), Enabled: aws.Bool(true)}})
		if err != nil && !strings.Contains(err.Error(), "already enabled") {
			return nil, fmt.Errorf("enable TTL on %s: %w", name, err)
		}
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		return nil, fmt.Errorf("describe table %s: %w", name, err)
	}
	return out.Table, nil
}

func keySchema(v any) []ddbtypes.KeySchemaElement {
	var ks []ddbtypes.KeySchemaElement
	for _, k := range list(v) {
		ks = append(ks, ddbtypes.KeySchemaElement{AttributeName: aws.String(str(k, "AttributeName")), KeyType: ddbtypes.KeyType(str(k, "KeyType"))})
	}
	return ks
}

var queueAttrs = map[string]string{
	"FifoQueue": "FifoQueue", "ContentBasedDeduplication": "ContentBasedDeduplication",
	"VisibilityTimeout": "VisibilityTimeout", "MessageRetentionPeriod": "MessageRetentionPeriod",
	"DelaySeconds": "DelaySeconds", "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
	"MaximumMessageSize": "MaximumMessageSize", "DeduplicationScope": "DeduplicationScope",
	"FifoThroughputLimit": "FifoThroughputLimit",
}

func (d *Deployment) createQueue(ctx context.Context, q *sqs.Client, res *Resource) error {
	p, err := d.props(res)
	if err != nil {
		return err
	}
	name := d.attrs[res.LogicalID]["QueueName"]
	attrs := map[string]string{}
	for prop, attr := range queueAttrs {
		if v, ok := p[prop]; ok {
			attrs[attr] = fmt.Sprint(v)
		}
	}
	if rp, ok := p["RedrivePolicy"]; ok {
		b, _ := json.Marshal(rp)
		attrs["RedrivePolicy"] = string(b)
	}
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err != nil {
		return fmt.Errorf("create queue %s: %w", name, err)
	}
	d.refs[res.LogicalID] = *out.QueueUrl
	d.attrs[res.LogicalID]["QueueUrl"] = *out.QueueUrl
	visibility := "30" // SQS's default
	if v, ok := attrs["VisibilityTimeout"]; ok {
		visibility = v
	}
	d.attrs[res.LogicalID]["VisibilityTimeout"] = visibility
	return nil
}

func (d *Deployment) createBus(ctx context.Context, eb *eventbridge.Client, res *Resource) error {
	name := d.refs[res.LogicalID]
	if name == "default" {
		return nil
	}
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: &name}); err != nil {
		var exists *ebtypes.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			return fmt.Errorf("create bus %s: %w", name, err)
		}
	}
	return nil
}

func (d *Deployment) createArchive(ctx context.Context, eb *eventbridge.Client, res *Resource) error {
	p, err := d.props(res)
	if err != nil {
		return err
	}
	in := &eventbridge.CreateArchiveInput{ArchiveName: aws.String(str(p, "ArchiveName")), EventSourceArn: aws.String(str(p, "SourceArn"))}
	if *in.ArchiveName == "" {
		in.ArchiveName = aws.String(d.R.Pseudo["AWS::StackName"] + "-" + res.LogicalID)
	}
	if pat, ok := p["EventPattern"]; ok {
		b, _ := json.Marshal(pat)
		in.EventPattern = aws.String(string(b))
	}
	if n, ok := p["RetentionDays"].(int64); ok {
		in.RetentionDays = aws.Int32(int32(n))
	}
	if _, err := eb.CreateArchive(ctx, in); err != nil {
		var exists *ebtypes.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			return fmt.Errorf("create archive %s: %w", *in.ArchiveName, err)
		}
	}
	return nil
}

func (d *Deployment) createRule(ctx context.Context, eb *eventbridge.Client, res *Resource) error {
	p, err := d.props(res)
	if err != nil {
		return err
	}
	name := d.refs[res.LogicalID]
	bus := str(p, "EventBusName")
	in := &eventbridge.PutRuleInput{Name: &name, Description: aws.String(str(p, "Description"))}
	if bus != "" {
		in.EventBusName = &bus
	}
	if pat, ok := p["EventPattern"]; ok {
		b, _ := json.Marshal(pat)
		in.EventPattern = aws.String(string(b))
	}
	if s := str(p, "ScheduleExpression"); s != "" {
		// Emulators do not fire scheduled rules; the local cloud's scheduler fires them
		// (see Schedules). The rule is still created so the bus looks as it does on AWS.
		in.ScheduleExpression = &s
	}
	if _, err := eb.PutRule(ctx, in); err != nil {
		return fmt.Errorf("put rule %s: %w", name, err)
	}
	var targets []ebtypes.Target
	for _, tv := range list(p["Targets"]) {
		tm := mapOf(tv)
		tg := ebtypes.Target{Id: aws.String(str(tm, "Id")), Arn: aws.String(str(tm, "Arn"))}
		if s := str(tm, "Input"); s != "" {
			tg.Input = &s
		}
		if s := str(tm, "InputPath"); s != "" {
			tg.InputPath = &s
		}
		if sp := mapOf(tm["SqsParameters"]); sp != nil {
			tg.SqsParameters = &ebtypes.SqsParameters{MessageGroupId: aws.String(str(sp, "MessageGroupId"))}
		}
		if dl := mapOf(tm["DeadLetterConfig"]); dl != nil {
			tg.DeadLetterConfig = &ebtypes.DeadLetterConfig{Arn: aws.String(str(dl, "Arn"))}
		}
		targets = append(targets, tg)
	}
	if len(targets) > 0 {
		out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: &name, EventBusName: in.EventBusName, Targets: targets})
		if err != nil {
			return fmt.Errorf("put targets %s: %w", name, err)
		}
		if out.FailedEntryCount > 0 {
			return fmt.Errorf("put targets %s: %d failed", name, out.FailedEntryCount)
		}
	}
	return nil
}

func (d *Deployment) applyQueuePolicy(ctx context.Context, q *sqs.Client, res *Resource) error {
	p, err := d.props(res)
	if err != nil {
		return err
	}
	doc, _ := json.Marshal(p["PolicyDocument"])
	for _, u := range list(p["Queues"]) {
		_, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(fmt.Sprint(u)),
			Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): string(doc)}})
		if err != nil {
			return fmt.Errorf("queue policy %s: %w", res.LogicalID, err)
		}
	}
	return nil
}

func (d *Deployment) resolveFunctions() error {
	var globals map[string]any
	if d.T.Globals != nil {
		v, err := d.R.Value(d.T.Globals)
		if err != nil {
			return fmt.Errorf("Globals.Function: %w", err)
		}
		globals, _ = v.(map[string]any)
	}
	routes, err := d.T.HTTPRoutes()
	if err != nil {
		return err
	}
	d.Routes = routes
	for _, res := range d.T.OfType("AWS::Serverless::Function") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		fn := &Function{LogicalID: res.LogicalID, CodeDir: filepath.Base(str(p, "CodeUri")), Env: map[string]string{}}
		for k, v := range mapOf(mapOf(globals["Environment"])["Variables"]) {
			fn.Env[k] = fmt.Sprint(v)
		}
		for k, v := range mapOf(mapOf(p["Environment"])["Variables"]) {
			fn.Env[k] = fmt.Sprint(v)
		}
		fn.Timeout = time.Duration(firstInt(p["Timeout"], globals["Timeout"], int64(3))) * time.Second
		fn.MemoryMB = int(firstInt(p["MemorySize"], globals["MemorySize"], int64(128)))
		d.Functions[fn.LogicalID] = fn
		for evName, ev := range mapOf(p["Events"]) {
			em := mapOf(ev)
			ep := mapOf(em["Properties"])
			switch str(em, "Type") {
			case "SQS":
				arn := str(ep, "Queue")
				m := SQSMapping{Function: fn.LogicalID, QueueARN: arn, BatchSize: int(firstInt(ep["BatchSize"], int64(10))),
					Window:                  time.Duration(firstInt(ep["MaximumBatchingWindowInSeconds"], int64(0))) * time.Second,
					ReportBatchItemFailures: contains(ep["FunctionResponseTypes"], "ReportBatchItemFailures"),
					FIFO:                    strings.HasSuffix(arn, ".fifo")}
				m.QueueURL = d.queueURLByARN(arn)
				if m.QueueURL == "" {
					return fmt.Errorf("%s.%s: queue %s is not in the template", fn.LogicalID, evName, arn)
				}
				// Lambda refuses such a mapping: a batch could come back while still being handled.
				if vis, err := strconv.Atoi(d.queueAttrByARN(arn, "VisibilityTimeout")); err == nil && time.Duration(vis)*time.Second < fn.Timeout {
					return fmt.Errorf("%s.%s: queue visibility timeout %d s is less than the function timeout %v", fn.LogicalID, evName, vis, fn.Timeout)
				}
				d.SQS = append(d.SQS, m)
			case "DynamoDB":
				arn := str(ep, "Stream")
				m := StreamMapping{Function: fn.LogicalID, StreamARN: arn, StartingPosition: str(ep, "StartingPosition"),
					BatchSize: int(firstInt(ep["BatchSize"], int64(100))), MaximumRetryAttempts: int(firstInt(ep["MaximumRetryAttempts"], int64(-1))),
					ReportBatchItemFailures: contains(ep["FunctionResponseTypes"], "ReportBatchItemFailures")}
				for id, at := range d.attrs {
					if at["StreamArn"] == arn && arn != "" {
						m.TableName = d.refs[id]
					}
				}
				if m.TableName == "" {
					return fmt.Errorf("%s.%s: stream %s is not a table's stream in the template", fn.LogicalID, evName, arn)
				}
				d.Streams = append(d.Streams, m)
			case "Schedule", "ScheduleV2":
				expr := str(ep, "Schedule")
				if expr == "" {
					expr = str(ep, "ScheduleExpression")
				}
				enabled := true
				if v, ok := ep["Enabled"].(bool); ok {
					enabled = v
				}
				if v, ok := ep["State"].(string); ok {
					enabled = v != "DISABLED"
				}
				d.Schedules = append(d.Schedules, Schedule{Name: fn.LogicalID + "." + evName, Function: fn.LogicalID,
					Expression: expr, Input: str(ep, "Input"), Enabled: enabled})
			}
		}
	}
	sort.Slice(d.Schedules, func(i, j int) bool { return d.Schedules[i].Name < d.Schedules[j].Name })
	return nil
}

func (d *Deployment) queueURLByARN(arn string) string { return d.queueAttrByARN(arn, "QueueUrl") }

func (d *Deployment) queueAttrByARN(arn, attr string) string {
	for _, at := range d.attrs {
		if at["Arn"] == arn {
			return at[attr]
		}
	}
	return ""
}

var integrationFn = "/functions/"

// functionFromURI extracts the function logical ID from a Lambda integration URI.
func (d *Deployment) functionFromURI(uri string) string {
	i := strings.Index(uri, integrationFn)
	if i < 0 {
		return ""
	}
	arn := strings.TrimSuffix(uri[i+len(integrationFn):], "/invocations")
	name := arn[strings.LastIndex(arn, ":")+1:]
	if _, ok := d.Functions[name]; ok {
		return name
	}
	return ""
}

func (d *Deployment) resolveWebSocket() error {
	var api *Resource
	for _, res := range d.T.OfType("AWS::ApiGatewayV2::Api") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		if str(p, "ProtocolType") == "WEBSOCKET" {
			api = res
			ws := &WebSocketAPI{APIID: d.refs[res.LogicalID], Routes: map[string]string{}}
			if sel := str(p, "RouteSelectionExpression"); strings.HasPrefix(sel, "$request.body.") {
				ws.SelectionField = strings.TrimPrefix(sel, "$request.body.")
			}
			d.WebSocket = ws
		}
	}
	if api == nil {
		return nil
	}
	ws := d.WebSocket
	integrations := map[string]string{}
	for _, res := range d.T.OfType("AWS::ApiGatewayV2::Integration") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		integrations[res.LogicalID] = d.functionFromURI(str(p, "IntegrationUri"))
	}
	authorizers := map[string]map[string]any{}
	for _, res := range d.T.OfType("AWS::ApiGatewayV2::Authorizer") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		authorizers[res.LogicalID] = p
	}
	for _, res := range d.T.OfType("AWS::ApiGatewayV2::Route") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		integ := strings.TrimPrefix(str(p, "Target"), "integrations/")
		fn := integrations[integ]
		if fn == "" {
			return fmt.Errorf("%s: target %q is not a Lambda integration in the template", res.LogicalID, str(p, "Target"))
		}
		key := str(p, "RouteKey")
		ws.Routes[key] = fn
		if authID := str(p, "AuthorizerId"); authID != "" && key == "$connect" {
			ap := authorizers[authID]
			if ap == nil {
				return fmt.Errorf("%s: authorizer %s not in the template", res.LogicalID, authID)
			}
			ws.Authorizer = d.functionFromURI(str(ap, "AuthorizerUri"))
			for _, src := range list(ap["IdentitySource"]) {
				if q, ok := strings.CutPrefix(fmt.Sprint(src), "route.request.querystring."); ok {
					ws.IdentityQuery = q
				}
			}
		}
	}
	for _, res := range d.T.OfType("AWS::ApiGatewayV2::Stage") {
		p, err := d.props(res)
		if err != nil {
			return err
		}
		ws.Stage = str(p, "StageName")
	}
	return nil
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any, key string) string {
	m := mapOf(v)
	if m == nil {
		return ""
	}
	switch t := m[key].(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

func firstInt(vs ...any) int64 {
	for _, v := range vs {
		switch t := v.(type) {
		case int64:
			return t
		case float64:
			return int64(t)
		}
	}
	return 0
}

func contains(v any, s string) bool {
	for _, e := range list(v) {
		if fmt.Sprint(e) == s {
			return true
		}
	}
	return false
}

package dynamo_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// gsiTableInput is a table with three GSIs, one per projection type, and a stream.
func gsiTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gs"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("all"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("gs"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String("keys"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
			{IndexName: aws.String("incl"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("gs"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"color"}}},
		},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	}
}

func checkGSIDescription(c *env, d *types.TableDescription) {
	c.t.Helper()
	if aws.ToString(d.TableName) != "gsi" || len(d.KeySchema) != 2 || aws.ToString(d.KeySchema[0].AttributeName) != "pk" ||
		d.KeySchema[0].KeyType != types.KeyTypeHash || d.KeySchema[1].KeyType != types.KeyTypeRange {
		c.t.Errorf("table name / key schema: %s", dump(d))
	}
	if d.TableStatus != types.TableStatusActive && d.TableStatus != types.TableStatusCreating {
		c.t.Errorf("TableStatus %q, want CREATING or ACTIVE", d.TableStatus)
	}
	if d.TableArn == nil || d.StreamSpecification == nil || !aws.ToBool(d.StreamSpecification.StreamEnabled) ||
		d.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages || d.LatestStreamArn == nil || d.LatestStreamLabel == nil {
		c.t.Errorf("arn / stream spec / LatestStreamArn / LatestStreamLabel: %s", dump(d))
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		c.t.Errorf("BillingModeSummary: %s", dump(d.BillingModeSummary))
	}
	proj := map[string]*types.Projection{}
	for _, g := range d.GlobalSecondaryIndexes {
		proj[aws.ToString(g.IndexName)] = g.Projection
		if g.IndexArn == nil {
			c.t.Errorf("GSI %s has no IndexArn", aws.ToString(g.IndexName))
		}
	}
	if len(proj) != 3 || proj["all"] == nil || proj["all"].ProjectionType != types.ProjectionTypeAll ||
		proj["keys"] == nil || proj["keys"].ProjectionType != types.ProjectionTypeKeysOnly ||
		proj["incl"] == nil || proj["incl"].ProjectionType != types.ProjectionTypeInclude ||
		len(proj["incl"].NonKeyAttributes) != 1 || proj["incl"].NonKeyAttributes[0] != "color" {
		c.t.Errorf("GSI projections: %s", dump(d.GlobalSecondaryIndexes))
	}
}

func tableCases() []ccase {
	return []ccase{
		{
			name: "CreateTable/gsi-all-keys-include-and-stream",
			doc:  "API Reference, CreateTable → GlobalSecondaryIndexes (Projection ALL | KEYS_ONLY | INCLUDE, NonKeyAttributes), StreamSpecification; Response TableDescription (LatestStreamArn, LatestStreamLabel)",
			do: func(c *env) (any, error) {
				return c.db.CreateTable(c.ctx, gsiTableInput("gsi"))
			},
			check: func(c *env, out any, _ error) {
				checkGSIDescription(c, out.(*dynamodb.CreateTableOutput).TableDescription)
			},
		},
		{
			name:  "CreateTable/already-exists",
			doc:   "API Reference, CreateTable → Errors: ResourceInUseException (\"you tried to recreate an existing table\")",
			setup: func(c *env) { c.hashTable("dup") },
			do: func(c *env) (any, error) {
				return c.db.CreateTable(c.ctx, &dynamodb.CreateTableInput{TableName: aws.String("dup"), BillingMode: types.BillingModePayPerRequest,
					AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
					KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			},
			wantErr: "ResourceInUseException",
			check: func(c *env, _ any, err error) {
				var riu *types.ResourceInUseException
				if !errors.As(err, &riu) {
					c.t.Errorf("errors.As *types.ResourceInUseException failed: %T %v", err, err)
				}
			},
		},
		{
			name: "CreateTable/include-without-nonkeyattributes",
			doc:  "API Reference, Projection → NonKeyAttributes (\"names of one or more non-key attributes that are projected into the index\" for INCLUDE); CreateTable → Errors: ValidationException",
			do: func(c *env) (any, error) {
				in := gsiTableInput("bad")
				in.GlobalSecondaryIndexes[2].Projection.NonKeyAttributes = nil
				return c.db.CreateTable(c.ctx, in)
			},
			wantErr: "ValidationException",
		},
		{
			name: "CreateTable/unused-attribute-definition",
			doc:  "API Reference, CreateTable → AttributeDefinitions (\"An array of attributes that describe the key schema for the table and indexes\"); Common Errors → ValidationException",
			do: func(c *env) (any, error) {
				return c.db.CreateTable(c.ctx, &dynamodb.CreateTableInput{TableName: aws.String("bad"), BillingMode: types.BillingModePayPerRequest,
					AttributeDefinitions: []types.AttributeDefinition{
						{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
						{AttributeName: aws.String("extra"), AttributeType: types.ScalarAttributeTypeS}},
					KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			},
			wantErr: "ValidationException",
		},
		{
			name: "DescribeTable/gsi-table",
			doc:  "API Reference, DescribeTable → Response TableDescription (KeySchema, GlobalSecondaryIndexes, StreamSpecification, TableStatus)",
			setup: func(c *env) {
				_, err := c.db.CreateTable(c.ctx, gsiTableInput("gsi"))
				c.must(err)
			},
			do: func(c *env) (any, error) {
				return c.db.DescribeTable(c.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("gsi")})
			},
			check: func(c *env, out any, _ error) {
				checkGSIDescription(c, out.(*dynamodb.DescribeTableOutput).Table)
			},
		},
		{
			name: "DescribeTable/item-count",
			doc:  "API Reference, TableDescription → ItemCount (\"The number of items in the specified table\"; updated approximately every six hours — a fresh count is allowed)",
			setup: func(c *env) {
				c.hashTable("tbl")
				c.put("tbl", pk("a"))
				c.put("tbl", pk("b"))
			},
			do: func(c *env) (any, error) {
				return c.db.DescribeTable(c.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
			},
			check: func(c *env, out any, _ error) {
				n := aws.ToInt64(out.(*dynamodb.DescribeTableOutput).Table.ItemCount)
				if n != 0 && n != 2 {
					c.t.Errorf("ItemCount %d, want 2 (or a stale 0)", n)
				}
			},
		},
		{
			name: "DescribeTable/missing",
			doc:  "API Reference, DescribeTable → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.DescribeTable(c.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nope")})
			},
			wantErr: "ResourceNotFoundException",
			check: func(c *env, _ any, err error) {
				var rnf *types.ResourceNotFoundException
				if !errors.As(err, &rnf) {
					c.t.Errorf("errors.As *types.ResourceNotFoundException failed: %T %v", err, err)
				}
			},
		},
		{
			name: "ListTables/paginated",
			doc:  "API Reference, ListTables → Limit, ExclusiveStartTableName, Response LastEvaluatedTableName",
			setup: func(c *env) {
				for _, n := range []string{"ccc", "aaa", "bbb"} {
					c.hashTable(n)
				}
			},
			do: func(c *env) (any, error) {
				return c.db.ListTables(c.ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.ListTablesOutput)
				if len(o.TableNames) != 2 || aws.ToString(o.LastEvaluatedTableName) != o.TableNames[1] {
					c.t.Fatalf("page 1: %v last %v; want 2 names and LastEvaluatedTableName = the last of them", o.TableNames, aws.ToString(o.LastEvaluatedTableName))
				}
				o2, err := c.db.ListTables(c.ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: o.LastEvaluatedTableName})
				c.must(err)
				all := append(append([]string(nil), o.TableNames...), o2.TableNames...)
				if len(o2.TableNames) != 1 || o2.LastEvaluatedTableName != nil || fmt.Sprint(sortedStrings(all)) != "[aaa bbb ccc]" {
					c.t.Errorf("page 2: %v last %v; pages together %v, want every table once", o2.TableNames, aws.ToString(o2.LastEvaluatedTableName), all)
				}
			},
		},
		{
			name:  "DeleteTable/then-gone",
			doc:   "API Reference, DeleteTable → Response TableDescription; Errors: ResourceNotFoundException once deleted",
			setup: func(c *env) { c.hashTable("gone") },
			do: func(c *env) (any, error) {
				return c.db.DeleteTable(c.ctx, &dynamodb.DeleteTableInput{TableName: aws.String("gone")})
			},
			check: func(c *env, out any, _ error) {
				if aws.ToString(out.(*dynamodb.DeleteTableOutput).TableDescription.TableName) != "gone" {
					c.t.Errorf("TableDescription: %s", dump(out))
				}
				deadline := time.Now().Add(2 * time.Second)
				for {
					_, err := c.db.DescribeTable(c.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("gone")})
					if errCode(err) == "ResourceNotFoundException" {
						break
					}
					if time.Now().After(deadline) {
						c.t.Fatalf("DescribeTable after DeleteTable: %v", err)
					}
					time.Sleep(20 * time.Millisecond)
				}
				_, err := c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("gone"), Key: pk("a")})
				if errCode(err) != "ResourceNotFoundException" {
					c.t.Errorf("GetItem on deleted table: %v", err)
				}
			},
		},
		{
			name: "DeleteTable/missing",
			doc:  "API Reference, DeleteTable → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.DeleteTable(c.ctx, &dynamodb.DeleteTableInput{TableName: aws.String("nope")})
			},
			wantErr: "ResourceNotFoundException",
		},
		{
			name:  "UpdateTimeToLive/enable-then-describe",
			doc:   "API Reference, UpdateTimeToLive → Response TimeToLiveSpecification; DescribeTimeToLive → TimeToLiveDescription (TimeToLiveStatus ENABLING | ENABLED, AttributeName)",
			setup: func(c *env) { c.hashTable("ttl") },
			do: func(c *env) (any, error) {
				return c.db.UpdateTimeToLive(c.ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
			},
			check: func(c *env, out any, _ error) {
				s := out.(*dynamodb.UpdateTimeToLiveOutput).TimeToLiveSpecification
				if s == nil || aws.ToString(s.AttributeName) != "exp" || !aws.ToBool(s.Enabled) {
					c.t.Errorf("TimeToLiveSpecification: %s", dump(s))
				}
				d, err := c.db.DescribeTimeToLive(c.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttl")})
				c.must(err)
				st := d.TimeToLiveDescription.TimeToLiveStatus
				if (st != types.TimeToLiveStatusEnabled && st != types.TimeToLiveStatusEnabling) || aws.ToString(d.TimeToLiveDescription.AttributeName) != "exp" {
					c.t.Errorf("DescribeTimeToLive: %s", dump(d.TimeToLiveDescription))
				}
			},
		},
		{
			name:  "DescribeTimeToLive/disabled-by-default",
			doc:   "API Reference, DescribeTimeToLive → TimeToLiveDescription.TimeToLiveStatus (DISABLED)",
			setup: func(c *env) { c.hashTable("ttl") },
			do: func(c *env) (any, error) {
				return c.db.DescribeTimeToLive(c.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttl")})
			},
			check: func(c *env, out any, _ error) {
				if st := out.(*dynamodb.DescribeTimeToLiveOutput).TimeToLiveDescription.TimeToLiveStatus; st != types.TimeToLiveStatusDisabled {
					c.t.Errorf("TimeToLiveStatus %q, want DISABLED", st)
				}
			},
		},
		{
			name: "DescribeTimeToLive/missing-table",
			doc:  "API Reference, DescribeTimeToLive → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.DescribeTimeToLive(c.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("nope")})
			},
			wantErr: "ResourceNotFoundException",
		},
		{
			name: "UpdateTimeToLive/missing-table",
			doc:  "API Reference, UpdateTimeToLive → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.UpdateTimeToLive(c.ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("nope"),
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
			},
			wantErr: "ResourceNotFoundException",
		},
	}
}

package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/localcloud/emulator"
)

// BenchmarkOperations prints p50 / p95 per DynamoDB operation at 1 and 16 clients, on the
// embedded engine and on the moto wrapper in the same run (docs/decisions/0004):
//
//	go test -run '^$' -bench Operations -benchtime 400x ./shared/localcloud/dynamo/
//
// Each client is a goroutine with its own item; the table holds 2,000 items first, so Query
// cost reflects a table that has grown. HOLDFAST_BENCH_BACKENDS=engine skips moto.
func BenchmarkOperations(b *testing.B) {
	backends := []string{emulator.DynamoDBEngine, emulator.DynamoDBMoto}
	if v := os.Getenv("HOLDFAST_BENCH_BACKENDS"); v != "" {
		backends = []string{v}
	}
	for _, backend := range backends {
		emu, err := emulator.Start(context.Background(), emulator.Options{DynamoDB: backend})
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := emu.AWSConfig(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		db := dynamodb.NewFromConfig(cfg)
		seedBenchTable(b, db)
		for _, clients := range []int{1, 16} {
			for _, op := range benchOps {
				b.Run(fmt.Sprintf("%s/%s/clients=%d", backend, op.name, clients), func(b *testing.B) {
					runClients(b, db, clients, op.fn)
				})
			}
		}
		emu.Close()
	}
}

type benchOp struct {
	name string
	fn   func(ctx context.Context, db *dynamodb.Client, client, i int) error
}

const benchTable = "bench"

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

var benchOps = []benchOp{
	{"PutItem", func(ctx context.Context, db *dynamodb.Client, c, i int) error {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(benchTable),
			Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("c%d", c)), "sk": s(fmt.Sprintf("p%08d", i)), "v": n(i)}})
		return err
	}},
	{"GetItem", func(ctx context.Context, db *dynamodb.Client, c, i int) error {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(benchTable), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("seed%d", i%100)), "sk": s(fmt.Sprintf("%04d", i%20))}})
		return err
	}},
	{"UpdateItem", func(ctx context.Context, db *dynamodb.Client, c, i int) error {
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(benchTable),
			Key:              map[string]types.AttributeValue{"pk": s(fmt.Sprintf("ctr%d", c)), "sk": s("head")},
			UpdateExpression: aws.String("ADD n :one SET updated = :i"), ConditionExpression: aws.String("attribute_not_exists(locked)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1), ":i": n(i)}})
		return err
	}},
	{"Query", func(ctx context.Context, db *dynamodb.Client, c, i int) error {
		_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(benchTable), Limit: aws.Int32(10), ScanIndexForward: aws.Bool(false),
			KeyConditionExpression:    aws.String("pk = :p AND sk >= :from"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprintf("seed%d", i%100)), ":from": s("0005")}})
		return err
	}},
	{"TransactWriteItems", func(ctx context.Context, db *dynamodb.Client, c, i int) error {
		pk := fmt.Sprintf("tx%d", c)
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(benchTable), Item: map[string]types.AttributeValue{"pk": s(pk), "sk": s(fmt.Sprintf("e%08d", i))},
				ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Update: &types.Update{TableName: aws.String(benchTable), Key: map[string]types.AttributeValue{"pk": s(pk), "sk": s("head")},
				UpdateExpression: aws.String("SET seq = :i"), ExpressionAttributeValues: map[string]types.AttributeValue{":i": n(i)}}},
		}})
		return err
	}},
}

func seedBenchTable(b *testing.B, db *dynamodb.Client) {
	b.Helper()
	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(benchTable), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
	if err != nil {
		b.Fatal(err)
	}
	for p := 0; p < 100; p++ {
		for k := 0; k < 20; k++ {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(benchTable),
				Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("seed%d", p)), "sk": s(fmt.Sprintf("%04d", k)), "payload": s("0123456789abcdef0123456789abcdef")}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// callSeq numbers every call of every run, so writes never collide across the runs the
// benchmark framework makes (it runs each benchmark once with N=1 first).
var callSeq atomic.Int64

// runClients spreads b.N calls over clients goroutines and reports p50 and p95 latency.
func runClients(b *testing.B, db *dynamodb.Client, clients int, fn func(context.Context, *dynamodb.Client, int, int) error) {
	b.Helper()
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := fn(ctx, db, c, int(callSeq.Add(1))); err != nil {
					failed.Store(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

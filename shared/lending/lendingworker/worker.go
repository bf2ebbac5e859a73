// Package lendingworker holds the lending product's asynchronous workers: the risk assessment
// (LoanSubmitted), the disbursal enqueuer (LoanApproved → disbursal.fifo) and the disbursal
// consumer, the daily EMI job, the credit-score updater and the fraud detector (ledger events).
// Each is idempotent: it tolerates duplicate and reordered deliveries because every write it
// makes is conditional on a deterministic key, a state or a version. It must never publish an
// event itself (the relay derives them), hold business rules (package lending does), or trust
// in-memory state across invocations.
package lendingworker

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/metrics"
)

// SQSAPI is the part of the SQS client the disbursal enqueuer uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Worker holds every lending worker's dependencies.
type Worker struct {
	Loans        *lendingstore.LoanStore
	Profiles     *lendingstore.ProfileStore
	Ledger       lendingstore.Ledger
	Clock        clock.Clock
	Calendar     clock.Calendar
	Policy       lending.RiskPolicy
	Log          *slog.Logger
	Metrics      *metrics.Emitter
	SQS          SQSAPI
	DisbursalURL string // DISBURSAL_QUEUE_URL
	// EMIConcurrency bounds the installments the EMI job handles at once (per run).
	EMIConcurrency int
}

// New builds a worker over one DynamoDB client and table.
func New(db *dynamodb.Client, table string, clk clock.Clock, cal clock.Calendar, log *slog.Logger, m *metrics.Emitter) (*Worker, error) {
	if table == "" {
		return nil, errors.New("LENDING_TABLE is not set")
	}
	led, err := ledgerstore.New(db, ledgerstore.Options{Table: table, Logger: log})
	if err != nil {
		return nil, err
	}
	return &Worker{Loans: lendingstore.NewLoanStore(db, table), Profiles: lendingstore.NewProfileStore(db, table),
		Ledger: led, Clock: clk, Calendar: cal, Policy: lending.DefaultRiskPolicy(), Log: log, Metrics: m, EMIConcurrency: 16}, nil
}

// FromDeps builds the worker from a function's dependencies (LENDING_TABLE; the disbursal
// enqueuer also sends to DISBURSAL_QUEUE_URL).
func FromDeps(_ context.Context, d *lambdastart.Deps) (*Worker, error) {
	w, err := New(dynamodb.NewFromConfig(d.AWS), d.Config.LendingTable, d.Clock, d.Calendar, d.Logger, d.Metrics)
	if err != nil {
		return nil, err
	}
	w.SQS = sqs.NewFromConfig(d.AWS)
	w.DisbursalURL = d.Config.DisbursalQueueURL
	return w, nil
}

// Build is a lending worker function's build; pick names its handler:
//
//	func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).Assess)) }
func Build[E, R any](pick func(*Worker, context.Context, E) (R, error)) lambdastart.Build[E, R] {
	return lambdastart.Method(FromDeps, pick)
}

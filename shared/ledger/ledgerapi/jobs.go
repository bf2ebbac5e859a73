package ledgerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/metrics"
)

// Metric names the jobs emit (EMF, namespace Holdfast); the template alarms on them.
const (
	MetricDigestHeads      = "LedgerDigestHeads"
	MetricAuditInvalid     = "LedgerAuditInvalid"
	MetricAuditEntries     = "LedgerAuditEntries"
	MetricAuditProblems    = "LedgerAuditProblems"
	digestJobCorrelationID = "ledger-digest-job-"
	auditJobCorrelationID  = "ledger-audit-job-"
)

// Jobs are the ledger's scheduled functions.
type Jobs struct {
	Store   *ledgerstore.Store
	Log     *slog.Logger
	Metrics *metrics.Emitter
}

// NewJobs builds the jobs from the function's dependencies (LENDING_TABLE).
func NewJobs(_ context.Context, d *lambdastart.Deps) (*Jobs, error) {
	if d.Config.LendingTable == "" {
		return nil, errors.New("LENDING_TABLE is not set")
	}
	store, err := ledgerstore.New(dynamodb.NewFromConfig(d.AWS), ledgerstore.Options{Table: d.Config.LendingTable, Logger: d.Logger})
	if err != nil {
		return nil, err
	}
	return &Jobs{Store: store, Log: d.Logger, Metrics: d.Metrics}, nil
}

// BuildJob is a ledger job function's build:
//
//	func main() { lambdastart.Start(ledgerapi.BuildJob((*ledgerapi.Jobs).Digest)) }
func BuildJob[R any](pick func(*Jobs, context.Context, lambdaevents.CloudWatchEvent) (R, error)) lambdastart.Build[lambdaevents.CloudWatchEvent, R] {
	return lambdastart.Method(NewJobs, pick)
}

// DigestResult is what one digest run did.
type DigestResult struct {
	// Digests are the seqs recorded (a large run records several; an idle run one, empty).
	Digests []uint64 `json:"digests"`
	Heads   int      `json:"heads"`
	Hash    string   `json:"hash,omitempty"` // the last digest's hash
	Cutoff  string   `json:"cutoff"`
	// Conflict: another run recorded the next digest first; this run changed nothing.
	Conflict bool `json:"conflict,omitempty"`
}

// Digest is the 5-minute digest job: it records a digest of every account head that moved since
// the last one, chained to it (the stream relay publishes LedgerDigestRecorded). A run that
// loses the race to a concurrent run is not a failure: that run recorded the digest.
func (j *Jobs) Digest(ctx context.Context, _ lambdaevents.CloudWatchEvent) (DigestResult, error) {
	started := time.Now()
	ctx = correlation.With(ctx, digestJobCorrelationID+started.UTC().Format("20060102T150405.000Z"))
	run, err := j.Store.RecordDigest(ctx)
	if errors.Is(err, ledger.ErrDigestConflict) {
		j.Log.InfoContext(ctx, "ledger digest recorded by a concurrent run")
		return DigestResult{Conflict: true, Digests: []uint64{}}, nil
	}
	if err != nil {
		j.Log.ErrorContext(ctx, "ledger digest failed", "error", err.Error())
		return DigestResult{}, fmt.Errorf("ledger digest: %w", err)
	}
	res := DigestResult{Digests: make([]uint64, 0, len(run.Digests)), Cutoff: ledger.FormatTime(run.Cutoff)}
	for _, d := range run.Digests {
		res.Digests = append(res.Digests, d.Seq)
		res.Heads += len(d.Heads)
		res.Hash = d.Hash
	}
	if err := j.Metrics.Emit(ctx, nil, metrics.Metric{Name: MetricDigestHeads, Unit: metrics.Count, Value: float64(res.Heads)}); err != nil {
		j.Log.ErrorContext(ctx, "emit digest metric", "error", err.Error())
	}
	j.Log.InfoContext(ctx, "ledger digest recorded", "digests", res.Digests, "heads", res.Heads, "hash", res.Hash,
		"cutoff", res.Cutoff, "durationMs", time.Since(started).Milliseconds())
	return res, nil
}

// AuditResult is the whole-ledger check's verdict, as the job returns and logs it.
type AuditResult struct {
	Valid        bool   `json:"valid"`
	Accounts     int    `json:"accounts"`
	Transactions int    `json:"transactions"`
	Entries      int    `json:"entries"`
	Digests      int    `json:"digests"`
	Total        string `json:"total"`
	ProblemCount int    `json:"problemCount"`
	// FirstInvalid names the first broken chain and seq, when a chain is broken.
	FirstInvalid *ledger.Verification  `json:"firstInvalid,omitempty"`
	Problems     []ledger.AuditProblem `json:"problems"`
}

// maxLoggedProblems bounds the problems one log line carries (the count is always complete).
const maxLoggedProblems = 20

// Summarize condenses a whole-ledger report: counts, the first broken chain (lowest account
// ID) and the first problems.
func Summarize(rep ledger.AuditReport) AuditResult {
	res := AuditResult{Valid: rep.Valid, Accounts: rep.Accounts, Transactions: rep.Transactions, Entries: rep.Entries,
		Digests: rep.Digests, Total: rep.Total, ProblemCount: rep.ProblemCount, Problems: rep.Problems}
	if len(res.Problems) > maxLoggedProblems {
		res.Problems = res.Problems[:maxLoggedProblems]
	}
	if res.Problems == nil {
		res.Problems = []ledger.AuditProblem{}
	}
	for i := range rep.InvalidChains {
		c := rep.InvalidChains[i]
		if res.FirstInvalid == nil || c.Account < res.FirstInvalid.Account {
			res.FirstInvalid = &c
		}
	}
	return res
}

// Audit is the scheduled whole-ledger check: every chain verified against its head, records
// and digests; the zero-sum invariant; every posting in every chain it names. A broken ledger
// is not a failed run (retrying would not mend it): it is logged at ERROR and counted as
// LedgerAuditInvalid, which the template alarms on.
func (j *Jobs) Audit(ctx context.Context, _ lambdaevents.CloudWatchEvent) (AuditResult, error) {
	started := time.Now()
	ctx = correlation.With(ctx, auditJobCorrelationID+started.UTC().Format("20060102T150405.000Z"))
	rep, err := j.Store.Audit(ctx)
	if err != nil {
		j.Log.ErrorContext(ctx, "ledger audit could not run", "error", err.Error())
		return AuditResult{}, fmt.Errorf("ledger audit: %w", err)
	}
	res := Summarize(rep)
	invalid := 0.0
	if !res.Valid {
		invalid = 1
	}
	if err := j.Metrics.Emit(ctx, nil,
		metrics.Metric{Name: MetricAuditInvalid, Unit: metrics.Count, Value: invalid},
		metrics.Metric{Name: MetricAuditEntries, Unit: metrics.Count, Value: float64(res.Entries)},
		metrics.Metric{Name: MetricAuditProblems, Unit: metrics.Count, Value: float64(res.ProblemCount)},
	); err != nil {
		j.Log.ErrorContext(ctx, "emit audit metrics", "error", err.Error())
	}
	attrs := []any{"valid", res.Valid, "accounts", res.Accounts, "transactions", res.Transactions,
		"entries", res.Entries, "digests", res.Digests, "total", res.Total, "problemCount", res.ProblemCount,
		"durationMs", time.Since(started).Milliseconds()}
	if res.Valid {
		j.Log.InfoContext(ctx, "ledger audit passed", attrs...)
		return res, nil
	}
	if res.FirstInvalid != nil {
		attrs = append(attrs, "firstInvalidAccount", string(res.FirstInvalid.Account),
			"firstInvalidSeq", res.FirstInvalid.FirstInvalidSeq, "reason", res.FirstInvalid.Reason)
	}
	j.Log.ErrorContext(ctx, "ledger audit found problems", append(attrs, "problems", res.Problems)...)
	return res, nil
}

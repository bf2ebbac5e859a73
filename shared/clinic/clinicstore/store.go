package clinicstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/retry"
)

// MaxAttempts bounds the retries of one queue change that keeps losing races. Every change of
// a day is serialised by the day's version, so under N concurrent writers the last one may
// lose N-1 times; 50 concurrent bookings (a full day) must all get through.
const MaxAttempts = 80

// Store is the clinic table.
type Store struct {
	db    *dynamodb.Client
	table string
	// Backoff scales the pause before a retry (see pause: jittered, doubling, capped at 32×).
	Backoff time.Duration
}

// New returns a store over table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, Backoff: 4 * time.Millisecond}
}

// PutDoctor registers a doctor; the id must be new.
func (st *Store) PutDoctor(ctx context.Context, d clinic.Doctor) error {
	item, err := doctorToItem(d, correlation.FromContext(ctx))
	if err != nil {
		return err
	}
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errs.Conflict(errs.CodeConflict, "A doctor with this id exists.")
	}
	if err != nil {
		return fmt.Errorf("put doctor: %w", err)
	}
	return nil
}

// SetDoctorUser names the doctor record's user (the backfill of records made without one); a
// missing doctor is a not-found error. It returns the doctor as updated.
func (st *Store) SetDoctorUser(ctx context.Context, id, user string) (clinic.Doctor, error) {
	vals := map[string]types.AttributeValue{":u": dynamoitem.S(user)}
	expr := "SET userId = :u"
	if corr := correlation.FromContext(ctx); corr != "" {
		expr += ", correlationId = :c"
		vals[":c"] = dynamoitem.S(corr)
	}
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: dynamoitem.Key(DoctorPK(id), doctorSK),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: vals, ReturnValues: types.ReturnValueAllNew})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return clinic.Doctor{}, errs.NotFound("The doctor does not exist.")
	}
	if err != nil {
		return clinic.Doctor{}, fmt.Errorf("set doctor user: %w", err)
	}
	return doctorFromItem(out.Attributes)
}

// Doctor reads one doctor; a missing one is a not-found error.
func (st *Store) Doctor(ctx context.Context, id string) (clinic.Doctor, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(DoctorPK(id), doctorSK),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return clinic.Doctor{}, fmt.Errorf("get doctor: %w", err)
	}
	if len(out.Item) == 0 {
		return clinic.Doctor{}, errs.NotFound("The doctor does not exist.")
	}
	return doctorFromItem(out.Item)
}

// DoctorPage is one page of doctors and the LastEvaluatedKey that continues it (nil on the
// last page).
type DoctorPage struct {
	Items []clinic.Doctor
	Last  map[string]types.AttributeValue
}

// DoctorsIndexPK is the gsi1 partition listing every doctor, and DoctorKeys the attributes of
// the list's LastEvaluatedKey: an ExclusiveStartKey of Doctors must have exactly these, with
// gsi1pk = DoctorsIndexPK.
const DoctorsIndexPK = doctorsGSI

// DoctorKeys: see DoctorsIndexPK.
var DoctorKeys = []string{"pk", "sk", "gsi1pk", "gsi1sk"}

// Doctors lists doctors in registration order through gsi1 (DOCTORS), limit per page, from
// ExclusiveStartKey start (nil: the first page; else a previous page's Last).
func (st *Store) Doctors(ctx context.Context, limit int, start map[string]types.AttributeValue) (DoctorPage, error) {
	in := &dynamodb.QueryInput{TableName: &st.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(doctorsGSI)},
		Limit:                     aws.Int32(int32(limit)), ExclusiveStartKey: start}
	out, err := st.db.Query(ctx, in)
	if err != nil {
		return DoctorPage{}, fmt.Errorf("list doctors: %w", err)
	}
	result := DoctorPage{Items: []clinic.Doctor{}, Last: out.LastEvaluatedKey}
	for _, it := range out.Items {
		d, err := doctorFromItem(it)
		if err != nil {
			return DoctorPage{}, err
		}
		result.Items = append(result.Items, d)
	}
	if len(result.Last) == 0 {
		result.Last = nil
	}
	return result, nil
}

// DoctorWithStats reads a doctor and their consultation statistics (zero when none yet) with
// one consistent Query of the doctor's partition, which holds exactly those two items; a
// missing doctor is a not-found error. Every snapshot (the broadcaster's, on each queue change)
// and the queue and stats views need both.
func (st *Store) DoctorWithStats(ctx context.Context, id string) (clinic.Doctor, clinic.Stats, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{TableName: &st.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(DoctorPK(id))}})
	if err != nil {
		return clinic.Doctor{}, clinic.Stats{}, fmt.Errorf("get doctor: %w", err)
	}
	stats := clinic.Stats{DoctorID: id}
	var doc *clinic.Doctor
	for _, item := range out.Items {
		switch sk, _ := item["sk"].(*types.AttributeValueMemberS); {
		case sk != nil && sk.Value == doctorSK:
			d, err := doctorFromItem(item)
			if err != nil {
				return clinic.Doctor{}, clinic.Stats{}, err
			}
			doc = &d
		case sk != nil && sk.Value == statsSK:
			if stats, err = statsFromItem(id, item); err != nil {
				return clinic.Doctor{}, clinic.Stats{}, err
			}
		}
	}
	if doc == nil {
		return clinic.Doctor{}, clinic.Stats{}, errs.NotFound("The doctor does not exist.")
	}
	return *doc, stats, nil
}

// Stats reads a doctor's consultation statistics (zero when none yet).
func (st *Store) Stats(ctx context.Context, doctorID string) (clinic.Stats, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(DoctorPK(doctorID), statsSK),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return clinic.Stats{}, fmt.Errorf("get stats: %w", err)
	}
	if len(out.Item) == 0 {
		return clinic.Stats{DoctorID: doctorID}, nil
	}
	return statsFromItem(doctorID, out.Item)
}

func statsFromItem(doctorID string, item map[string]types.AttributeValue) (clinic.Stats, error) {
	var it statsItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return clinic.Stats{}, fmt.Errorf("stats item: %w", err)
	}
	return clinic.Stats{DoctorID: doctorID, Consultations: it.Consultations, TotalMs: it.TotalMs, Recent: it.Recent, Ignored: it.Ignored, Version: it.Version}, nil
}

// Day reads a doctor's day with one consistent Query of its partition. A day nobody booked
// yet comes back empty with version 0. Its cancelled count is counted from the appointments
// themselves (so a day stored before the queue item kept the count is exact once it changes).
func (st *Store) Day(ctx context.Context, doctorID string, date clock.Date) (*clinic.Day, error) {
	d := &clinic.Day{DoctorID: doctorID, Date: date, Guards: map[string]string{}, Cancellations: map[string]int{}}
	defer func() {
		d.Cancelled = 0
		for _, a := range d.Appointments {
			if a.State == clinic.Cancelled {
				d.Cancelled++
			}
		}
	}()
	p := dynamodb.NewQueryPaginator(st.db, &dynamodb.QueryInput{TableName: &st.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(DayPK(doctorID, date))}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read day: %w", err)
		}
		for _, item := range page.Items {
			ent, _ := item["entity"].(*types.AttributeValueMemberS)
			if ent == nil {
				continue
			}
			switch ent.Value {
			case EntityQueue:
				var q QueueItem
				if err := attributevalue.UnmarshalMap(item, &q); err != nil {
					return nil, fmt.Errorf("queue item: %w", err)
				}
				d.Version, d.LastToken, d.ServingID, d.LastCalled = q.Version, q.LastToken, q.ServingID, q.LastCalled
			case EntityAppointment:
				var it AppointmentItem
				if err := attributevalue.UnmarshalMap(item, &it); err != nil {
					return nil, fmt.Errorf("appointment item: %w", err)
				}
				a, err := apptFromItem(it)
				if err != nil {
					return nil, err
				}
				d.Appointments = append(d.Appointments, a)
			case EntityGuard:
				var g guardItem
				if err := attributevalue.UnmarshalMap(item, &g); err != nil {
					return nil, fmt.Errorf("guard item: %w", err)
				}
				d.Guards[g.PatientID] = g.AppointmentID
			case EntityRebook:
				var rb rebookItem
				if err := attributevalue.UnmarshalMap(item, &rb); err != nil {
					return nil, fmt.Errorf("rebook item: %w", err)
				}
				d.Cancellations[rb.PatientID] = rb.Cancellations
			}
		}
	}
	return d, nil
}

// Appointment reads one appointment by id (a GetItem: the id locates its partition).
func (st *Store) Appointment(ctx context.Context, id string) (clinic.Appointment, error) {
	doctorID, date, token, ok := clinic.ParseAppointmentID(id)
	if !ok {
		return clinic.Appointment{}, errs.Validation(errs.Field(clinic.FieldID, "is not an appointment id"))
	}
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(DayPK(doctorID, date), ApptSK(token)),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return clinic.Appointment{}, fmt.Errorf("get appointment: %w", err)
	}
	if len(out.Item) == 0 {
		return clinic.Appointment{}, errs.NotFound("The appointment does not exist.")
	}
	var it AppointmentItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return clinic.Appointment{}, fmt.Errorf("appointment item: %w", err)
	}
	return apptFromItem(it)
}

// Op changes a day in memory (a clinic.Day method). It may run several times, each time on a
// fresh read, so it must be pure.
type Op func(d *clinic.Day) error

// Extra adds writes that commit with the day (e.g. the doctor's statistics); it runs after
// op, on the same attempt, and may read.
type Extra func(ctx context.Context, d *clinic.Day) ([]types.TransactWriteItem, error)

// Mutate applies op to a fresh read of the doctor's day and commits the result — the queue
// item (version + 1), every appointment op touched, guard changes and extra — as ONE
// TransactWriteItems, each item conditioned on what was read. On a lost race it retries from
// a fresh read. It returns the committed day.
func (st *Store) Mutate(ctx context.Context, doctorID string, date clock.Date, now time.Time, op Op, extra Extra) (*clinic.Day, error) {
	corr := correlation.FromContext(ctx)
	for attempt := 1; ; attempt++ {
		day, err := st.Day(ctx, doctorID, date)
		if err != nil {
			return nil, err
		}
		before := map[string]int64{}
		for _, a := range day.Appointments {
			before[a.ID] = a.Version
		}
		guardsBefore := maps.Clone(day.Guards)
		cancelsBefore := maps.Clone(day.Cancellations)
		if err := op(day); err != nil {
			return nil, err
		}
		if err := day.Check(); err != nil {
			return nil, errs.Internal(fmt.Errorf("queue invariant broken by an operation: %w", err))
		}
		items, err := st.writes(ctx, day, before, guardsBefore, cancelsBefore, now, corr)
		if err != nil {
			return nil, err
		}
		if extra != nil {
			more, err := extra(ctx, day)
			if err != nil {
				return nil, err
			}
			items = append(items, more...)
		}
		if len(items) > 100 {
			return nil, errs.Internal(fmt.Errorf("queue change needs %d items, more than one transaction holds", len(items)))
		}
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			day.Version++
			return day, nil
		}
		if !lostRace(err) {
			return nil, fmt.Errorf("commit queue change: %w", err)
		}
		if attempt >= MaxAttempts {
			return nil, errs.Conflict(clinic.CodeConcurrentUpdate, "The queue kept changing; retry.").WithCause(err)
		}
		st.pause(ctx, attempt)
	}
}

// pause waits before the retry that follows attempt (≥ 1): full jitter, so that racing writers
// spread out instead of colliding again in step, below Backoff·2^attempt and at most
// 32×Backoff. A context that ends only cuts the wait short: the next read reports it.
func (st *Store) pause(ctx context.Context, attempt int) {
	_ = retry.Backoff{Base: 2 * st.Backoff, Max: 32 * st.Backoff}.Wait(ctx, attempt)
}

// lostRace reports a transaction cancelled only by conditions or conflicts: a fresh read and
// a retry will decide it.
func lostRace(err error) bool {
	if reasons, cancelled := dynamoitem.CancellationReasons(err); cancelled {
		for _, r := range reasons {
			switch r.Code {
			case dynamoitem.ReasonNone, dynamoitem.ReasonConditionalCheckFailed, dynamoitem.ReasonTransactionConflict:
			default:
				return false
			}
		}
		return true
	}
	var tc *types.TransactionConflictException
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &tc) || errors.As(err, &ccf)
}

func (st *Store) writes(ctx context.Context, day *clinic.Day, before map[string]int64, guardsBefore map[string]string, cancelsBefore map[string]int, now time.Time, corr string) ([]types.TransactWriteItem, error) {
	var items []types.TransactWriteItem
	q, err := queueToItem(day, day.Version+1, now, corr)
	if err != nil {
		return nil, err
	}
	put := &types.Put{TableName: &st.table, Item: q}
	if day.Version == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": dynamoitem.N(day.Version)}
	}
	items = append(items, types.TransactWriteItem{Put: put})
	for _, a := range day.Appointments {
		old, existed := before[a.ID]
		if existed && old == a.Version {
			continue
		}
		item, err := apptToItem(a, corr)
		if err != nil {
			return nil, err
		}
		p := &types.Put{TableName: &st.table, Item: item}
		if !existed {
			p.ConditionExpression = aws.String("attribute_not_exists(pk)")
		} else {
			p.ConditionExpression = aws.String("version = :v")
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": dynamoitem.N(old)}
		}
		items = append(items, types.TransactWriteItem{Put: p})
	}
	pk := DayPK(day.DoctorID, day.Date)
	for patient, id := range day.Guards {
		if guardsBefore[patient] == id {
			continue
		}
		g, err := attributevalue.MarshalMap(guardItem{PK: pk, SK: guardSK(patient), Entity: EntityGuard, PatientID: patient, AppointmentID: id})
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &st.table, Item: g,
			ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	for patient, id := range guardsBefore {
		if _, still := day.Guards[patient]; still {
			continue
		}
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &st.table, Key: dynamoitem.Key(pk, guardSK(patient)),
			ConditionExpression:       aws.String("appointmentId = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": dynamoitem.S(id)}}})
	}
	for patient, n := range day.Cancellations {
		old, existed := cancelsBefore[patient]
		if existed && old == n {
			continue
		}
		rb, err := attributevalue.MarshalMap(rebookItem{PK: pk, SK: rebookSK(patient), Entity: EntityRebook, PatientID: patient, Cancellations: n})
		if err != nil {
			return nil, err
		}
		p := &types.Put{TableName: &st.table, Item: rb, ConditionExpression: aws.String("attribute_not_exists(pk)")}
		if existed {
			p.ConditionExpression = aws.String("cancellations = :n")
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":n": dynamoitem.N(int64(old))}
		}
		items = append(items, types.TransactWriteItem{Put: p})
	}
	return items, nil
}

// StatsWrite is the Extra that records a finished consultation in the doctor's statistics
// (clinic.Stats.Record: one shorter than floor is only counted as ignored), conditioned on the
// statistics' version.
func (st *Store) StatsWrite(doctorID string, floor time.Duration, dur func() time.Duration) Extra {
	return func(ctx context.Context, _ *clinic.Day) ([]types.TransactWriteItem, error) {
		cur, err := st.Stats(ctx, doctorID)
		if err != nil {
			return nil, err
		}
		next := cur.Record(dur(), floor)
		item, err := attributevalue.MarshalMap(statsItem{PK: DoctorPK(doctorID), SK: statsSK, Entity: EntityStats, DoctorID: doctorID,
			Consultations: next.Consultations, TotalMs: next.TotalMs, Recent: next.Recent, Ignored: next.Ignored, Version: cur.Version + 1})
		if err != nil {
			return nil, err
		}
		p := &types.Put{TableName: &st.table, Item: item}
		if cur.Version == 0 {
			p.ConditionExpression = aws.String("attribute_not_exists(pk)")
		} else {
			p.ConditionExpression = aws.String("version = :v")
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": dynamoitem.N(cur.Version)}
		}
		return []types.TransactWriteItem{{Put: p}}, nil
	}
}

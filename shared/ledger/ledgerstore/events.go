package ledgerstore

import (
	"fmt"
	"strconv"
	"strings"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/events"
)

// The ledger's events: source holdfast.ledger.
const (
	EventDomain               = "ledger"
	EventTransactionCommitted = "LedgerTransactionCommitted" // detail-type LedgerTransactionCommitted.v1
	EventDigestRecorded       = "LedgerDigestRecorded"       // detail-type LedgerDigestRecorded.v1
	EventVersion              = 1
)

// PostingData is a posting in an event: amounts as canonical strings ("1500.00").
type PostingData struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount string `json:"amount"`
}

// MetaData is a transaction's metadata in an event.
type MetaData struct {
	LoanID         string `json:"loanId,omitempty"`
	InstallmentNo  int    `json:"installmentNo,omitempty"`
	CorrelationID  string `json:"correlationId"`
	Actor          string `json:"actor"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// EntryData says where a transaction's entry landed in one account's chain.
type EntryData struct {
	Account      string `json:"account"`
	Seq          uint64 `json:"seq"`
	BalanceAfter string `json:"balanceAfter"`
	Hash         string `json:"hash"`
}

// TransactionCommitted is the data of LedgerTransactionCommitted.v1.
type TransactionCommitted struct {
	TxID     string        `json:"txId"`
	Type     string        `json:"type"`
	Postings []PostingData `json:"postings"`
	Meta     MetaData      `json:"meta"`
	At       string        `json:"at"`
	Hash     string        `json:"hash"`
	Entries  []EntryData   `json:"entries"`
}

// DigestRecorded is the data of LedgerDigestRecorded.v1: enough for an outside party to keep
// the digest chain (the head list stays in the table; it can be far larger than an event).
type DigestRecorded struct {
	Seq       uint64 `json:"seq"`
	Hash      string `json:"hash"`
	PrevHash  string `json:"prevHash"`
	At        string `json:"at"`
	Since     string `json:"since"`
	HeadCount int    `json:"headCount"`
}

// TransactionCommittedData reads a transaction record's stream image. ok is false for an image
// that is not a ledger transaction record (or is only its keys, as moto's first INSERT of an
// UpdateItem is).
func TransactionCommittedData(image events.StreamImage) (data TransactionCommitted, ok bool, err error) {
	pk, _ := events.StringAttr(image, attrPK)
	sk, _ := events.StringAttr(image, attrSK)
	if !strings.HasPrefix(pk, txPrefix) || sk != txSK {
		return TransactionCommitted{}, false, nil
	}
	if _, has := image[attrHash]; !has {
		return TransactionCommitted{}, false, nil
	}
	item, err := events.ToAttributeValues(image)
	if err != nil {
		return TransactionCommitted{}, false, fmt.Errorf("ledger transaction %s: %w", pk, err)
	}
	st, err := txFromItem(item)
	if err != nil {
		return TransactionCommitted{}, false, err
	}
	return transactionCommitted(st), true, nil
}

func transactionCommitted(st StoredTransaction) TransactionCommitted {
	tx := st.Tx
	d := TransactionCommitted{
		TxID:     tx.ID,
		Type:     string(tx.Type),
		Postings: make([]PostingData, len(tx.Postings)),
		Meta: MetaData{
			LoanID:         tx.Meta.LoanID,
			InstallmentNo:  tx.Meta.InstallmentNo,
			CorrelationID:  tx.Meta.CorrelationID,
			Actor:          tx.Meta.Actor,
			IdempotencyKey: tx.Meta.IdempotencyKey,
		},
		At:      ledger.FormatTime(tx.At),
		Hash:    st.Hash,
		Entries: make([]EntryData, len(st.Entries)),
	}
	for i, p := range tx.Postings {
		d.Postings[i] = PostingData{From: string(p.From), To: string(p.To), Amount: ledger.FormatAmount(p.Amount)}
	}
	for i, e := range st.Entries {
		d.Entries[i] = EntryData{Account: string(e.Account), Seq: e.Seq, BalanceAfter: ledger.FormatAmount(e.BalanceAfter), Hash: e.Hash}
	}
	return d
}

// DigestRecordedData reads a digest item's stream image; ok is false for any other image.
func DigestRecordedData(image events.StreamImage) (data DigestRecorded, ok bool, err error) {
	pk, _ := events.StringAttr(image, attrPK)
	sk, _ := events.StringAttr(image, attrSK)
	if pk != digestPK || !strings.HasPrefix(sk, digestPrefix) {
		return DigestRecorded{}, false, nil
	}
	if _, has := image[attrHash]; !has {
		return DigestRecorded{}, false, nil
	}
	item, err := events.ToAttributeValues(image)
	if err != nil {
		return DigestRecorded{}, false, fmt.Errorf("ledger digest %s: %w", sk, err)
	}
	d, err := digestFromItem(item)
	if err != nil {
		return DigestRecorded{}, false, err
	}
	return DigestRecorded{
		Seq: d.Seq, Hash: d.Hash, PrevHash: d.PrevHash, At: ledger.FormatTime(d.At),
		Since: ledger.FormatTime(d.Since), HeadCount: len(d.Heads),
	}, true, nil
}

// MapRecord is the ledger's events.Mapper for the LENDING table's stream: a new transaction
// record becomes LedgerTransactionCommitted.v1 (event ID `LTX#<txId>`), a new digest becomes
// LedgerDigestRecorded.v1 (event ID `DIGEST#<seq>`); every other record — heads, entries,
// anchors, other products' items, any MODIFY or REMOVE (ledger records are never changed, so
// such a record announces nothing) — yields no event. Compose it with the lending mapper in the
// lending relay.
func MapRecord(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if rec.EventName != string(lambdaevents.DynamoDBOperationTypeInsert) {
		return nil, nil
	}
	image := rec.Change.NewImage
	if tx, ok, err := TransactionCommittedData(image); err != nil || ok {
		if err != nil {
			return nil, err
		}
		at, err := ledger.ParseTime(tx.At)
		if err != nil {
			return nil, fmt.Errorf("ledger transaction %s: at: %w", tx.TxID, err)
		}
		env, err := events.New(events.Meta{
			EventID:       events.EventID("LTX", tx.TxID),
			CorrelationID: tx.Meta.CorrelationID,
			OccurredAt:    at,
			Domain:        EventDomain,
			Type:          EventTransactionCommitted,
			Version:       EventVersion,
			Actor:         &events.Actor{ID: tx.Meta.Actor},
		}, tx)
		if err != nil {
			return nil, err
		}
		return []events.Envelope{env}, nil
	}
	if d, ok, err := DigestRecordedData(image); err != nil || ok {
		if err != nil {
			return nil, err
		}
		at, err := ledger.ParseTime(d.At)
		if err != nil {
			return nil, fmt.Errorf("ledger digest %d: at: %w", d.Seq, err)
		}
		cid, _ := events.StringAttr(image, attrCorrelationID)
		if cid == "" {
			cid = digestCorrelationID(d.Seq)
		}
		env, err := events.New(events.Meta{
			EventID:       events.EventID("DIGEST", strconv.FormatUint(d.Seq, 10)),
			CorrelationID: cid,
			OccurredAt:    at,
			Domain:        EventDomain,
			Type:          EventDigestRecorded,
			Version:       EventVersion,
		}, d)
		if err != nil {
			return nil, err
		}
		return []events.Envelope{env}, nil
	}
	return nil, nil
}

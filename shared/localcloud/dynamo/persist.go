package dynamo

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Persistence for `make run`: a snapshot of every table, item and stream record, plus an
// append-only log of what was committed since. Each request's changes and stream records are
// one log line, written before the request is answered (to the OS, so a killed process loses
// nothing acknowledged; a power cut may lose the tail), so a torn last line drops one whole
// request and never half of one. Snapshot and log carry a generation: a log left from before
// the last snapshot (a crash between writing the snapshot and starting the new log) is already
// in the snapshot and is not replayed. A log that cannot be written fails the request and every
// one after it: nothing is acknowledged that would be lost on a restart.
const (
	snapshotFile = "dynamodb.snapshot.json"
	logFile      = "dynamodb.log"
)

type wal struct {
	dir string
	gen uint64
	f   *os.File
	w   *bufio.Writer
	err error
}

type persistedIndex struct {
	Name, Projection string
	Hash, Range      keyDef
	NonKey           []string
	Local            bool
	ARN              string
}

type persistedStream struct {
	ARN, Label, View, Table string
	Created                 time.Time
	KeySchema               []map[string]string
	ShardID                 string
	Enabled                 bool
	FirstSeq, EndSeq        uint64
	DisabledAt              time.Time         `json:",omitempty"`
	TrimmedThrough          uint64            `json:",omitempty"`
	Records                 []persistedRecord `json:",omitempty"`
}

type persistedRecord struct {
	Seq  uint64          `json:"s"`
	At   time.Time       `json:"t"`
	JSON json.RawMessage `json:"j"`
}

type persistedTable struct {
	Name, ARN, ID string
	Created       time.Time
	Hash, Range   keyDef
	AttrDefs      []attrDef
	Billing       string
	RCU, WCU      int64
	Indexes       []persistedIndex
	TTLAttr       string
	TTLEnabled    bool
	StreamARN     string
	Items         []attr.Item `json:",omitempty"`
}

type snapshot struct {
	Gen     uint64
	Seq     uint64
	Tables  []persistedTable
	Streams []persistedStream
}

// logLine is one committed change: a table definition, a dropped table, an item written or
// deleted, or a stream record.
type logLine struct {
	Op     string           `json:"op"` // gen, commit (of put, del, rec), table, drop, reset
	Table  *persistedTable  `json:"table,omitempty"`
	Stream *persistedStream `json:"stream,omitempty"`
	Name   string           `json:"name,omitempty"`
	Item   attr.Item        `json:"item,omitempty"`
	Rec    *persistedRecord `json:"rec,omitempty"`
	Seq    uint64           `json:"seq,omitempty"`
	At     time.Time        `json:"at,omitzero"`
	Batch  []logLine        `json:"batch,omitempty"`
}

func openWAL(dir string, e *Engine) (*wal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamodb data dir: %w", err)
	}
	w := &wal{dir: dir}
	if err := w.load(e); err != nil {
		return nil, fmt.Errorf("dynamodb data in %s: %w (remove it, or start with FRESH=1)", dir, err)
	}
	if err := w.compact(e); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *wal) load(e *Engine) error {
	b, err := os.ReadFile(filepath.Join(w.dir, snapshotFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err == nil {
		var s snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		e.seq, w.gen = s.Seq, s.Gen
		for i := range s.Streams {
			e.restoreStream(&s.Streams[i])
		}
		for i := range s.Tables {
			if err := e.restoreTable(&s.Tables[i]); err != nil {
				return err
			}
		}
	}
	f, err := os.Open(filepath.Join(w.dir, logFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	first := true
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var l logLine
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return fmt.Errorf("log: %w", jerr)
			}
			if first {
				first = false
				if l.Op != "gen" || l.Seq != w.gen {
					return nil // a log from before the snapshot: the snapshot holds it all
				}
				continue
			}
			if aerr := e.replay(&l); aerr != nil {
				return aerr
			}
		}
		// A torn last line (the process died mid-write) was never acknowledged: drop it.
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (e *Engine) restoreStream(ps *persistedStream) *stream {
	s := &stream{ARN: ps.ARN, Label: ps.Label, View: ps.View, Table: ps.Table, Created: ps.Created, KeySchema: ps.KeySchema,
		ShardID: ps.ShardID, enabled: ps.Enabled, firstSeq: ps.FirstSeq, endSeq: ps.EndSeq, disabledAt: ps.DisabledAt,
		trimmedThrough: ps.TrimmedThrough, signal: make(chan struct{})}
	for _, r := range ps.Records {
		s.records = append(s.records, streamRecord{seq: r.Seq, at: r.At, json: r.JSON})
	}
	e.streams[s.ARN] = s
	return s
}

func (e *Engine) restoreTable(pt *persistedTable) error {
	t := &table{Name: pt.Name, ARN: pt.ARN, ID: pt.ID, Created: pt.Created, Hash: pt.Hash, Range: pt.Range,
		AttrDefs: pt.AttrDefs, Billing: pt.Billing, RCU: pt.RCU, WCU: pt.WCU, TTLAttr: pt.TTLAttr,
		TTLEnabled: pt.TTLEnabled, items: newTree()}
	for _, pi := range pt.Indexes {
		t.Indexes = append(t.Indexes, &index{Name: pi.Name, Hash: pi.Hash, Range: pi.Range, Projection: pi.Projection,
			NonKey: pi.NonKey, Local: pi.Local, ARN: pi.ARN, tree: newTree()})
	}
	if pt.StreamARN != "" {
		t.Stream = e.streams[pt.StreamARN]
		if t.Stream == nil {
			return fmt.Errorf("table %s names stream %s, which is not kept", t.Name, pt.StreamARN)
		}
		t.StreamView = t.Stream.View
	}
	for _, it := range pt.Items {
		pk, sk, err := t.itemKey(it)
		if err != nil {
			return fmt.Errorf("table %s: %s", t.Name, err.Message)
		}
		t.apply(change{t: t, pk: pk, sk: sk, new: it})
	}
	e.tables[t.Name] = t
	return nil
}

func (e *Engine) replay(l *logLine) error {
	switch l.Op {
	case "commit":
		for i := range l.Batch {
			if err := e.replay(&l.Batch[i]); err != nil {
				return err
			}
		}
	case "table":
		if l.Stream != nil {
			if s := e.streams[l.Stream.ARN]; s == nil || s.ShardID != l.Stream.ShardID {
				e.restoreStream(l.Stream)
			}
		}
		old := e.tables[l.Table.Name]
		if err := e.restoreTable(l.Table); err != nil {
			return err
		}
		if old != nil { // a TTL change re-logs the definition: keep the items
			nt := e.tables[l.Table.Name]
			nt.items, nt.size = old.items, old.size
			for i, ix := range nt.Indexes {
				ix.tree, ix.size = old.Indexes[i].tree, old.Indexes[i].size
			}
		}
	case "drop":
		if t := e.tables[l.Name]; t != nil && t.Stream != nil {
			t.Stream.disable(l.Seq, l.At)
		}
		delete(e.tables, l.Name)
	case "put", "del":
		t := e.tables[l.Name]
		if t == nil {
			return fmt.Errorf("log names table %s, which does not exist", l.Name)
		}
		pk, sk, err := t.itemKey(l.Item)
		if err != nil {
			return fmt.Errorf("log: table %s: %s", l.Name, err.Message)
		}
		c := change{t: t, pk: pk, sk: sk, old: t.get(pk, sk)}
		if l.Op == "put" {
			c.new = l.Item
		}
		t.apply(c)
	case "rec":
		s := e.streams[l.Name]
		if s == nil {
			return fmt.Errorf("log names stream %s, which does not exist", l.Name)
		}
		if n := len(s.records); n == 0 || s.records[n-1].seq < l.Rec.Seq {
			s.records = append(s.records, streamRecord{seq: l.Rec.Seq, at: l.Rec.At, json: l.Rec.JSON})
		}
		if l.Rec.Seq > e.seq {
			e.seq = l.Rec.Seq
		}
	case "reset":
		e.resetState()
	default:
		return fmt.Errorf("log: unknown op %q", l.Op)
	}
	return nil
}

func (e *Engine) snapshotState(gen uint64) snapshot {
	s := snapshot{Seq: e.seq, Gen: gen}
	for _, st := range e.streams {
		ps := persistStream(st)
		for _, r := range st.records {
			ps.Records = append(ps.Records, persistedRecord{Seq: r.seq, At: r.at, JSON: r.json})
		}
		s.Streams = append(s.Streams, *ps)
	}
	for _, t := range e.tables {
		pt := persistTable(t)
		t.items.Ascend(func(en *entry) bool {
			pt.Items = append(pt.Items, en.item)
			return true
		})
		s.Tables = append(s.Tables, *pt)
	}
	return s
}

func persistStream(st *stream) *persistedStream {
	return &persistedStream{ARN: st.ARN, Label: st.Label, View: st.View, Table: st.Table, Created: st.Created,
		KeySchema: st.KeySchema, ShardID: st.ShardID, Enabled: st.enabled, FirstSeq: st.firstSeq, EndSeq: st.endSeq,
		DisabledAt: st.disabledAt, TrimmedThrough: st.trimmedThrough}
}

func persistTable(t *table) *persistedTable {
	pt := &persistedTable{Name: t.Name, ARN: t.ARN, ID: t.ID, Created: t.Created, Hash: t.Hash, Range: t.Range,
		AttrDefs: t.AttrDefs, Billing: t.Billing, RCU: t.RCU, WCU: t.WCU, TTLAttr: t.TTLAttr, TTLEnabled: t.TTLEnabled}
	for _, ix := range t.Indexes {
		pt.Indexes = append(pt.Indexes, persistedIndex{Name: ix.Name, Projection: ix.Projection, Hash: ix.Hash,
			Range: ix.Range, NonKey: ix.NonKey, Local: ix.Local, ARN: ix.ARN})
	}
	if t.Stream != nil {
		pt.StreamARN = t.Stream.ARN
	}
	return pt
}

// compact writes the state as a new snapshot and starts an empty log.
func (w *wal) compact(e *Engine) error {
	if w.f != nil {
		w.w.Flush()
		w.f.Close()
		w.f = nil
	}
	gen := w.gen + 1
	b, err := json.Marshal(e.snapshotState(gen))
	if err != nil {
		return err
	}
	tmp := filepath.Join(w.dir, snapshotFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, snapshotFile)); err != nil {
		return err
	}
	w.gen = gen
	f, err := os.Create(filepath.Join(w.dir, logFile))
	if err != nil {
		return err
	}
	w.f, w.w, w.err = f, bufio.NewWriterSize(f, 64<<10), nil
	return w.write(logLine{Op: "gen", Seq: gen})
}

// write appends each line, one JSON line each, and hands them to the OS before returning. An
// error sticks: the log no longer holds what was acknowledged, so the engine refuses requests.
func (w *wal) write(lines ...logLine) error {
	if w.err != nil {
		return w.err
	}
	if w.f == nil {
		w.err = errors.New("the data log is closed")
		return w.err
	}
	for i := range lines {
		b, err := json.Marshal(&lines[i])
		if err != nil {
			w.err = err
			return err
		}
		w.w.Write(b)
		w.w.WriteByte('\n')
	}
	w.err = w.w.Flush()
	return w.err
}

// lineFor is the log line of one applied change, and of its stream record when it made one.
func lineFor(c change, rec *streamRecord) []logLine {
	var lines []logLine
	if c.new != nil {
		lines = append(lines, logLine{Op: "put", Name: c.t.Name, Item: c.new})
	} else {
		lines = append(lines, logLine{Op: "del", Name: c.t.Name, Item: c.t.keyOf(c.old.item)})
	}
	if rec != nil {
		lines = append(lines, logLine{Op: "rec", Name: c.t.Stream.ARN, Rec: &persistedRecord{Seq: rec.seq, At: rec.at, JSON: rec.json}})
	}
	return lines
}

func (w *wal) logTable(t *table) error {
	l := logLine{Op: "table", Table: persistTable(t)}
	if t.Stream != nil {
		l.Stream = persistStream(t.Stream)
	}
	return w.write(l)
}

func (w *wal) logDropTable(name string, seq uint64, at time.Time) error {
	return w.write(logLine{Op: "drop", Name: name, Seq: seq, At: at})
}

func (w *wal) reset() error { return w.write(logLine{Op: "reset"}) }

func (w *wal) close(e *Engine) error {
	if err := w.compact(e); err != nil {
		return err
	}
	return w.flushClose()
}

func (w *wal) flushClose() error {
	if w.f == nil {
		return w.err
	}
	w.w.Flush()
	err := w.f.Close()
	w.f = nil
	if w.err != nil {
		return w.err
	}
	return err
}

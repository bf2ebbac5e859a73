package dynamo

import (
	"math"
	"sort"
	"sync"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Capacity units by DynamoDB's size rules (Developer Guide, "Read/write capacity mode" and
// "Item sizes and formats"): a read is one unit per 4 KB (half for an eventually consistent
// read, at least one 4 KB block even for nothing found); a write one unit per 1 KB of the larger
// of the item before and after. Transactional reads and writes count double (the callers double).

func readUnits(bytes int, consistent bool) float64 {
	blocks := math.Ceil(float64(bytes) / 4096)
	if blocks < 1 {
		blocks = 1
	}
	if !consistent {
		return blocks / 2
	}
	return blocks
}

func writeUnits(old *entry, next attr.Item) float64 {
	size := 0
	if old != nil {
		size = old.size
	}
	if n := attr.ItemSize(next); n > size {
		size = n
	}
	u := math.Ceil(float64(size) / 1024)
	if u < 1 {
		u = 1
	}
	return u
}

// cost is what one request consumed on one table: the table's own units and, for writes, each
// index's, since a write that changes an index entry costs write units in that index too
// (Developer Guide, "Global secondary indexes" → Provisioned throughput considerations).
type cost struct {
	table   float64
	indexes map[string]float64
}

func readCost(units float64) cost { return cost{table: units} }

func (c cost) total() float64 {
	t := c.table
	for _, u := range c.indexes {
		t += u
	}
	return t
}

func (c *cost) add(o cost, times float64) {
	c.table += times * o.table
	for n, u := range o.indexes {
		if c.indexes == nil {
			c.indexes = map[string]float64{}
		}
		c.indexes[n] += times * u
	}
}

// writeCost is a write's cost: the table's units by the larger of the item before and after,
// and for each index the units of removing the old entry and writing the new one (one write
// when the index key is unchanged).
func (t *table) writeCost(old *entry, next attr.Item) cost {
	c := cost{table: writeUnits(old, next)}
	for _, ix := range t.Indexes {
		var oe, ne *entry
		if old != nil {
			oe, _ = ix.entryFor(t, old.item, old.pk, old.sk)
		}
		ne, _ = ix.entryFor(t, next, "", "")
		var u float64
		switch {
		case oe != nil && ne != nil && oe.pk == ne.pk && oe.sk == ne.sk:
			u = kbUnits(max(oe.size, ne.size))
		case oe != nil && ne != nil:
			u = kbUnits(oe.size) + kbUnits(ne.size)
		case oe != nil:
			u = kbUnits(oe.size)
		case ne != nil:
			u = kbUnits(ne.size)
		default:
			continue
		}
		if c.indexes == nil {
			c.indexes = map[string]float64{}
		}
		c.indexes[ix.Name] += u
	}
	return c
}

func kbUnits(size int) float64 { return max(math.Ceil(float64(size)/1024), 1) }

// addCapacity adds ConsumedCapacity to a single-table response when asked (TOTAL or INDEXES).
func addCapacity(out map[string]any, mode string, t *table, c cost, read bool) {
	if cc := capacityOf(mode, t, c, read); cc != nil {
		out["ConsumedCapacity"] = cc
	}
}

func capacityOf(mode string, t *table, c cost, read bool) map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	units := c.total()
	cc := map[string]any{"TableName": t.Name, "CapacityUnits": units}
	if read {
		cc["ReadCapacityUnits"] = units
	} else {
		cc["WriteCapacityUnits"] = units
	}
	if mode == "INDEXES" {
		cc["Table"] = map[string]any{"CapacityUnits": c.table}
		var gsi, lsi map[string]any
		for _, ix := range t.Indexes {
			u, ok := c.indexes[ix.Name]
			if !ok {
				continue
			}
			if ix.Local {
				if lsi == nil {
					lsi = map[string]any{}
				}
				lsi[ix.Name] = map[string]any{"CapacityUnits": u}
			} else {
				if gsi == nil {
					gsi = map[string]any{}
				}
				gsi[ix.Name] = map[string]any{"CapacityUnits": u}
			}
		}
		if gsi != nil {
			cc["GlobalSecondaryIndexes"] = gsi
		}
		if lsi != nil {
			cc["LocalSecondaryIndexes"] = lsi
		}
	}
	return cc
}

// counters count requests and capacity units per table and operation, for the admin endpoint,
// the benchmark and the cost model.
type counters struct {
	mu sync.Mutex
	m  map[[2]string]*OpStats
}

// OpStats are one table × operation's totals.
type OpStats struct {
	Table    string  `json:"table"`
	Op       string  `json:"operation"`
	Requests int64   `json:"requests"`
	RCU      float64 `json:"readCapacityUnits"`
	WCU      float64 `json:"writeCapacityUnits"`
}

func newCounters() *counters { return &counters{m: map[[2]string]*OpStats{}} }

func (c *counters) get(table, op string) *OpStats {
	k := [2]string{table, op}
	s := c.m[k]
	if s == nil {
		s = &OpStats{Table: table, Op: op}
		c.m[k] = s
	}
	return s
}

func (c *counters) read(table, op string, units float64)  { c.add(table, op, 1, units, 0) }
func (c *counters) write(table, op string, units float64) { c.add(table, op, 1, 0, units) }

// count adds n requests that consume no capacity (TTL deletions).
func (c *counters) count(table, op string, n int64) { c.add(table, op, n, 0, 0) }

func (c *counters) add(table, op string, requests int64, rcu, wcu float64) {
	c.mu.Lock()
	s := c.get(table, op)
	s.Requests += requests
	s.RCU += rcu
	s.WCU += wcu
	c.mu.Unlock()
}

// request counts a request that names no table (ListTables, stream reads).
func (c *counters) request(op string) { c.add("", op, 1, 0, 0) }

func (c *counters) reset() {
	c.mu.Lock()
	c.m = map[[2]string]*OpStats{}
	c.mu.Unlock()
}

// Stats is a copy of every counter, sorted by table then operation.
func (e *Engine) Stats() []OpStats {
	c := e.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]OpStats, 0, len(c.m))
	for _, s := range c.m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].Op < out[j].Op
	})
	return out
}

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

// addCapacity adds ConsumedCapacity to a single-table response when asked (TOTAL or INDEXES).
func addCapacity(out map[string]any, mode string, t *table, units float64, read bool) {
	if c := capacityOf(mode, t, units, read); c != nil {
		out["ConsumedCapacity"] = c
	}
}

func capacityOf(mode string, t *table, units float64, read bool) map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	c := map[string]any{"TableName": t.Name, "CapacityUnits": units}
	if read {
		c["ReadCapacityUnits"] = units
	} else {
		c["WriteCapacityUnits"] = units
	}
	if mode == "INDEXES" {
		c["Table"] = map[string]any{"CapacityUnits": units}
	}
	return c
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

func (c *counters) read(table, op string, units float64) {
	c.mu.Lock()
	s := c.get(table, op)
	s.Requests++
	s.RCU += units
	c.mu.Unlock()
}

func (c *counters) write(table, op string, units float64) {
	c.mu.Lock()
	s := c.get(table, op)
	s.Requests++
	s.WCU += units
	c.mu.Unlock()
}

// count adds n requests that consume no capacity (TTL deletions).
func (c *counters) count(table, op string, n int64) {
	c.mu.Lock()
	c.get(table, op).Requests += n
	c.mu.Unlock()
}

// request counts a request that names no table (ListTables, stream reads).
func (c *counters) request(op string) {
	c.mu.Lock()
	c.get("", op).Requests++
	c.mu.Unlock()
}

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

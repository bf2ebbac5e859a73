package dynamo

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/google/btree"

	"holdfast/shared/localcloud/dynamo/attr"
)

// keyDef is one key attribute: its name and scalar type (S, N or B).
type keyDef struct {
	Name string
	Kind attr.Kind
}

// entry is one item in an ordered index: the encoded partition and sort key (see encodeKey),
// for an index also the table's encoded keys (index keys need not be unique), and the item.
// Stored items are never modified: a write stores a new item, so a reader may keep one after
// the lock is released.
type entry struct {
	pk, sk   string
	tpk, tsk string
	item     attr.Item
	size     int
	// max marks a search pivot that sorts after every sort key of its partition.
	max bool
}

func lessEntry(a, b *entry) bool {
	if a.pk != b.pk {
		return a.pk < b.pk
	}
	if a.max != b.max {
		return b.max
	}
	if a.sk != b.sk {
		return a.sk < b.sk
	}
	if a.tpk != b.tpk {
		return a.tpk < b.tpk
	}
	return a.tsk < b.tsk
}

func newTree() *btree.BTreeG[*entry] { return btree.NewG[*entry](16, lessEntry) }

// index is a global (or local) secondary index.
type index struct {
	Name        string
	Hash, Range keyDef
	Projection  string // ALL, KEYS_ONLY, INCLUDE
	NonKey      []string
	Local       bool
	ARN         string
	tree        *btree.BTreeG[*entry]
	size        int64
}

// table is one table: its definition, its items ordered by key, its indexes and its stream.
type table struct {
	Name        string
	ARN         string
	ID          string
	Created     time.Time
	Hash, Range keyDef
	AttrDefs    []attrDef
	Billing     string
	RCU, WCU    int64
	Indexes     []*index
	TTLAttr     string
	TTLEnabled  bool
	Stream      *stream
	StreamView  string
	items       *btree.BTreeG[*entry]
	size        int64
}

type attrDef struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

func (t *table) index(name string) *index {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

// encodeKey encodes a key value so that bytewise order of the encodings is DynamoDB's order of
// the values: strings and binaries bytewise (UTF-8 bytes for strings), numbers numerically.
func encodeKey(v attr.Value) string {
	if v.Kind == attr.N {
		return encodeNumber(v.Str)
	}
	return v.Str
}

// encodeNumber maps canonical decimal text to an order-preserving byte string: a sign byte
// (0 negative, 1 zero, 2 positive), the decimal exponent offset into two bytes, then the
// significant digits (inverted and terminated for negatives, so a longer negative sorts lower).
func encodeNumber(s string) string {
	if s == "0" {
		return "\x01"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	var digits string
	var exp int // value = 0.digits × 10^exp
	if intPart != "" {
		exp = len(intPart)
		digits = intPart + frac
	} else {
		trimmed := strings.TrimLeft(frac, "0")
		exp = -(len(frac) - len(trimmed))
		digits = trimmed
	}
	digits = strings.TrimRight(digits, "0")
	e := exp + 0x4000
	var b bytes.Buffer
	if neg {
		e = 0xFFFF - e
		b.WriteByte(0)
		b.WriteByte(byte(e >> 8))
		b.WriteByte(byte(e))
		for i := 0; i < len(digits); i++ {
			b.WriteByte('9' - digits[i] + '0')
		}
		b.WriteByte(0xFF)
		return b.String()
	}
	b.WriteByte(2)
	b.WriteByte(byte(e >> 8))
	b.WriteByte(byte(e))
	b.WriteString(digits)
	return b.String()
}

// keyValue checks one key attribute of an item or key: present, of the declared type and, for
// strings and binaries, not empty.
func keyValue(it attr.Item, k keyDef) (attr.Value, *APIError) {
	v, ok := it[k.Name]
	if !ok {
		return v, validationf("One or more parameter values were invalid: Missing the key %s in the item", k.Name)
	}
	if v.Kind != k.Kind {
		return v, validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Kind, v.Kind)
	}
	if (v.Kind == attr.S || v.Kind == attr.B) && v.Str == "" {
		return v, validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
			map[attr.Kind]string{attr.S: "string", attr.B: "binary"}[v.Kind], k.Name)
	}
	return v, nil
}

// itemKey validates the table's key attributes in a whole item and returns their encodings.
func (t *table) itemKey(it attr.Item) (pk, sk string, err *APIError) {
	v, err := keyValue(it, t.Hash)
	if err != nil {
		return "", "", err
	}
	pk = encodeKey(v)
	if t.Range.Name != "" {
		r, err := keyValue(it, t.Range)
		if err != nil {
			return "", "", err
		}
		sk = encodeKey(r)
	}
	return pk, sk, nil
}

// keyArg validates a Key parameter: exactly the table's key attributes, of their types.
func (t *table) keyArg(key attr.Item) (pk, sk string, err *APIError) {
	want := 1
	if t.Range.Name != "" {
		want = 2
	}
	if len(key) != want {
		return "", "", validationf("The provided key element does not match the schema")
	}
	for _, k := range []keyDef{t.Hash, t.Range} {
		if k.Name == "" {
			continue
		}
		v, ok := key[k.Name]
		if !ok || v.Kind != k.Kind {
			return "", "", validationf("The provided key element does not match the schema")
		}
	}
	return t.itemKey(key)
}

// keyOf is the key attributes of an item (a new map).
func (t *table) keyOf(it attr.Item) attr.Item {
	k := attr.Item{t.Hash.Name: it[t.Hash.Name]}
	if t.Range.Name != "" {
		k[t.Range.Name] = it[t.Range.Name]
	}
	return k
}

func (t *table) get(pk, sk string) *entry {
	e, ok := t.items.Get(&entry{pk: pk, sk: sk})
	if !ok {
		return nil
	}
	return e
}

// indexEntry is it's entry in ix, or nil when the item lacks the index's key attributes. A key
// attribute of the wrong type or an empty string is a validation error, as in DynamoDB.
func (ix *index) entryFor(t *table, it attr.Item, pk, sk string) (*entry, *APIError) {
	if it == nil {
		return nil, nil
	}
	h, ok := it[ix.Hash.Name]
	if !ok {
		return nil, nil
	}
	e := &entry{tpk: pk, tsk: sk, item: it}
	if err := ix.checkKey(h, ix.Hash.Name, ix.Hash.Kind); err != nil {
		return nil, err
	}
	e.pk = encodeKey(h)
	if ix.Range.Name != "" {
		r, ok := it[ix.Range.Name]
		if !ok {
			return nil, nil
		}
		if err := ix.checkKey(r, ix.Range.Name, ix.Range.Kind); err != nil {
			return nil, err
		}
		e.sk = encodeKey(r)
	}
	e.size = ix.projectedSize(t, it)
	return e, nil
}

func (ix *index) checkKey(v attr.Value, name string, kind attr.Kind) *APIError {
	if v.Kind != kind {
		return validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", name, kind, v.Kind, ix.Name)
	}
	if (v.Kind == attr.S || v.Kind == attr.B) && v.Str == "" {
		return validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.Name, name)
	}
	return nil
}

// project is the item as the index holds it: all attributes, or the table and index keys (and,
// for INCLUDE, the named non-key attributes).
func (ix *index) project(t *table, it attr.Item) attr.Item {
	if ix.Projection == "ALL" || ix.Projection == "" {
		return it
	}
	out := attr.Item{}
	for _, k := range []string{t.Hash.Name, t.Range.Name, ix.Hash.Name, ix.Range.Name} {
		if v, ok := it[k]; ok && k != "" {
			out[k] = v
		}
	}
	if ix.Projection == "INCLUDE" {
		for _, k := range ix.NonKey {
			if v, ok := it[k]; ok {
				out[k] = v
			}
		}
	}
	return out
}

func (ix *index) projectedSize(t *table, it attr.Item) int {
	if ix.Projection == "ALL" || ix.Projection == "" {
		return attr.ItemSize(it)
	}
	return attr.ItemSize(ix.project(t, it))
}

// change is one item write of a request: the entry it replaces (nil for a new item) and the new
// item (nil for a delete).
type change struct {
	t       *table
	pk, sk  string
	old     *entry
	new     attr.Item
	userTTL bool // a TTL deletion, streamed with the service's user identity
}

// validateIndexes checks the new item against every index's key types before anything is
// written.
func (t *table) validateIndexes(it attr.Item) *APIError {
	for _, ix := range t.Indexes {
		if _, err := ix.entryFor(t, it, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// apply writes one change into the table and its indexes (the caller holds the write lock and
// has validated the item).
func (t *table) apply(c change) {
	var oldItem attr.Item
	if c.old != nil {
		oldItem = c.old.item
		t.items.Delete(c.old)
		t.size -= int64(c.old.size)
	}
	if c.new != nil {
		e := &entry{pk: c.pk, sk: c.sk, item: c.new, size: attr.ItemSize(c.new)}
		t.items.ReplaceOrInsert(e)
		t.size += int64(e.size)
	}
	for _, ix := range t.Indexes {
		if oldItem != nil {
			if oe, _ := ix.entryFor(t, oldItem, c.pk, c.sk); oe != nil {
				if got, ok := ix.tree.Delete(oe); ok {
					ix.size -= int64(got.size)
				}
			}
		}
		if c.new != nil {
			if ne, _ := ix.entryFor(t, c.new, c.pk, c.sk); ne != nil {
				ix.tree.ReplaceOrInsert(ne)
				ix.size += int64(ne.size)
			}
		}
	}
}

func (t *table) describeKeySchema(h, r keyDef) []map[string]string {
	ks := []map[string]string{{"AttributeName": h.Name, "KeyType": "HASH"}}
	if r.Name != "" {
		ks = append(ks, map[string]string{"AttributeName": r.Name, "KeyType": "RANGE"})
	}
	return ks
}

func tableARN(name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, name)
}

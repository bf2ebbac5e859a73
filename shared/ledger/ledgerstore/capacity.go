package ledgerstore

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ItemSize is an item's size as DynamoDB bills it: per attribute, the name's UTF-8 length plus
// the value's size — a string's UTF-8 length; a number's 1 byte per two significant digits plus
// 1; a binary's length; 1 for a boolean or null; 3 bytes for a list or map plus, per element,
// 1 byte, its (key and) value. Used to state write units where an emulator does not report them.
func ItemSize(item map[string]types.AttributeValue) int {
	size := 0
	for name, v := range item {
		size += len(name) + valueSize(v)
	}
	return size
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// numberSize: significant digits (leading and trailing zeros trimmed) / 2, rounded up, + 1.
func numberSize(s string) int {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimLeft(intPart, "0") + frac
	if frac == "" {
		digits = strings.TrimRight(digits, "0")
	} else {
		digits = strings.TrimRight(strings.TrimLeft(digits, "0"), "0")
	}
	if digits == "" {
		return 1
	}
	return (len(digits)+1)/2 + 1
}

// WriteUnits is the write capacity one write of an item of size bytes consumes: 1 per KB,
// rounded up, doubled inside a transaction.
func WriteUnits(size int, transactional bool) int {
	units := (size + 1023) / 1024
	if units == 0 {
		units = 1
	}
	if transactional {
		units *= 2
	}
	return units
}

package expr

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Error is a validation failure; the engine answers it as ValidationException with Message.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(format string, a ...any) *Error { return &Error{Message: fmt.Sprintf(format, a...)} }

// asExprError turns an attr validation error (number precision or range) into an *Error.
func asExprError(err error) error {
	if err == nil {
		return nil
	}
	var ae *attr.Error
	if errors.As(err, &ae) {
		return &Error{Message: ae.Message}
	}
	var ee *Error
	if errors.As(err, &ee) {
		return ee
	}
	return &Error{Message: err.Error()}
}

// Env holds a request's ExpressionAttributeNames and ExpressionAttributeValues and records
// which were used across ALL expressions of the request.
//
// Developer Guide, "Expression attribute names (aliases)" and "Using expression attribute
// values": every name and value supplied must be used by one of the request's expressions.
type Env struct {
	Names  map[string]string     // "#n" -> "name"
	Values map[string]attr.Value // ":v" -> value

	usedNames  map[string]struct{}
	usedValues map[string]struct{}
}

func (e *Env) name(tok string) (string, bool) {
	if e == nil {
		return "", false
	}
	n, ok := e.Names[tok]
	if ok {
		if e.usedNames == nil {
			e.usedNames = make(map[string]struct{})
		}
		e.usedNames[tok] = struct{}{}
	}
	return n, ok
}

func (e *Env) value(tok string) (attr.Value, bool) {
	if e == nil {
		return attr.Value{}, false
	}
	v, ok := e.Values[tok]
	if ok {
		if e.usedValues == nil {
			e.usedValues = make(map[string]struct{})
		}
		e.usedValues[tok] = struct{}{}
	}
	return v, ok
}

// CheckUnused returns, after all of a request's expressions were parsed with this Env, the
// DynamoDB error for names or values that no expression used, e.g.
// "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}" and
// "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}" (keys sorted).
// Names are checked before values, as DynamoDB does.
func (e *Env) CheckUnused() error {
	if e == nil {
		return nil
	}
	if keys := unused(e.Names, e.usedNames); len(keys) > 0 {
		return errorf("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(keys, ", "))
	}
	if keys := unused(e.Values, e.usedValues); len(keys) > 0 {
		return errorf("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(keys, ", "))
	}
	return nil
}

func unused[V any](all map[string]V, used map[string]struct{}) []string {
	var keys []string
	for k := range all {
		if _, ok := used[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// The expression kinds, used as the prefix of error messages ("Invalid <kind>: ...").
const (
	KindCondition    = "ConditionExpression"
	KindFilter       = "FilterExpression"
	KindKeyCondition = "KeyConditionExpression"
	KindProjection   = "ProjectionExpression"
	KindUpdate       = "UpdateExpression"
)

// MaxExpressionLength is the longest expression string DynamoDB accepts (Developer Guide,
// "Quotas in Amazon DynamoDB" → Expression parameters: "The maximum length of any expression
// string is 4 KB").
const MaxExpressionLength = 4096

// MaxInOperands is the most operands the right side of IN may have
// (Expressions.OperatorsAndFunctions: "a IN (b, c, d) — ... up to 100 values").
const MaxInOperands = 100

// semErrs collects semantic errors found while parsing; DynamoDB reports syntax errors first and
// then the first semantic error by category, so each category keeps its first message and the
// lowest category wins.
type semErrs struct {
	msgs [numCats]string
}

// Error categories in DynamoDB's reporting order (condition expressions; update expressions
// report the same categories in the order of updateOrder).
const (
	catParens = iota
	catUnknownFunc
	catMisusedFunc
	catReserved
	catSection
	catUndefined
	catUndefinedValue
	catOverlap
	catConflict
	catOperandCount
	catDistinct
	catOperandType
	catFunction
	numCats
)

func (s *semErrs) set(cat int, format string, a ...any) {
	if s.msgs[cat] == "" {
		s.msgs[cat] = fmt.Sprintf(format, a...)
	}
}

func (s *semErrs) first(order []int) string {
	for _, c := range order {
		if s.msgs[c] != "" {
			return s.msgs[c]
		}
	}
	return ""
}

var (
	conditionOrder  = []int{catParens, catUnknownFunc, catMisusedFunc, catReserved, catUndefined, catUndefinedValue, catOperandCount, catDistinct, catFunction}
	updateOrder     = []int{catReserved, catUnknownFunc, catSection, catUndefined, catUndefinedValue, catOverlap, catConflict, catOperandType, catOperandCount, catFunction}
	projectionOrder = []int{catReserved, catUndefined, catOverlap, catConflict}
)

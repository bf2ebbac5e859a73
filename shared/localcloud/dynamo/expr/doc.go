// Package expr implements DynamoDB expressions for the embedded DynamoDB engine: it parses,
// validates, prints and evaluates condition and filter expressions, key condition expressions,
// projection expressions and update expressions, with DynamoDB's grammar, semantics and error
// wording.
//
// References (Amazon DynamoDB Developer Guide, chapter "Using expressions in DynamoDB"):
//   - "Referring to item attributes when using expressions" (Expressions.Attributes): document
//     paths, top-level and nested attributes, list indexes.
//   - "Expression attribute names (aliases)" (Expressions.ExpressionAttributeNames) and
//     "Using expression attribute values" (Expressions.ExpressionAttributeValues).
//   - "Condition and filter expressions, operators, and functions"
//     (Expressions.OperatorsAndFunctions): syntax, comparators, functions, precedence.
//   - "Using update expressions" (Expressions.UpdateExpressions).
//   - "Using projection expressions" (Expressions.ProjectionExpressions).
//   - "Reserved words in DynamoDB" (ReservedWords).
//   - API Reference, Query: KeyConditionExpression.
//
// Parsing resolves every #name and :value placeholder against an Env at parse time, so the
// resulting trees need nothing but an item to be evaluated. Evaluation never mutates its input
// and never panics.
package expr

package archtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/authz"
)

// idempotencyTableActions is what the chain's idempotency middleware does to the table
// (shared/platform/idempotency.Store: claim, read, complete, release).
var idempotencyTableActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}

// idempotencyProblems checks a route's Idempotency entry against what its function is
// granted: exactly one mechanism answers for a key. When the chain keeps records, the function
// must be able to keep them; when it does not (no key, or a route that is its own record), the
// function must not be able to write a second record of any kind to the idempotency table.
func idempotencyProblems(key string, method string, p authz.Policy, fn *stack.Resource) []string {
	var out []string
	switch p.Idempotency {
	case authz.IdempotencyNone, authz.IdempotencyOptional, authz.IdempotencyRequired, authz.IdempotencyRequiredByRoute:
	default:
		return []string{fmt.Sprintf("%s: Idempotency %d is not in the policy vocabulary", key, p.Idempotency)}
	}
	if p.Idempotency != authz.IdempotencyNone && (method == "GET" || !p.Mutating) {
		out = append(out, fmt.Sprintf("%s: takes an Idempotency-Key (%s) but is not a mutating non-GET route", key, p.Idempotency))
	}
	if fn == nil {
		return append(out, key+": no function resource to check its idempotency grants")
	}
	granted := idempotencyGrants(fn)
	switch {
	case p.Idempotency.ChainKeepsRecords():
		var missing []string
		for _, a := range idempotencyTableActions {
			if !granted[a] {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s: the chain keeps its idempotency records (%s), but %s is not granted %v on IdempotencyTable",
				key, p.Idempotency, fn.LogicalID, missing))
		}
	default:
		for _, a := range []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} {
			if granted[a] {
				out = append(out, fmt.Sprintf("%s: Idempotency %s keeps no chain record, yet %s may %s IdempotencyTable",
					key, p.Idempotency, fn.LogicalID, a))
			}
		}
	}
	return out
}

// idempotencyGrants is the set of DynamoDB actions fn's Policies allow on IdempotencyTable: a
// DynamoDBCrudPolicy on it, or Statements naming it (!Ref, !GetAtt, !Sub) as a resource.
func idempotencyGrants(fn *stack.Resource) map[string]bool {
	out := map[string]bool{}
	policies := node(fn.Properties, "Policies")
	if policies == nil {
		return out
	}
	for _, pol := range policies.Content {
		if crud := node(pol, "DynamoDBCrudPolicy"); crud != nil && mentions(node(crud, "TableName"), "IdempotencyTable") {
			for _, a := range []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
				"dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"} {
				out[a] = true
			}
		}
		stmts := node(pol, "Statement")
		if stmts == nil {
			continue
		}
		for _, st := range stmts.Content {
			if e := node(st, "Effect"); e == nil || e.Value != "Allow" || !mentions(node(st, "Resource"), "IdempotencyTable") {
				continue
			}
			for _, a := range scalars(node(st, "Action")) {
				if a == "dynamodb:*" || a == "*" {
					for _, x := range idempotencyTableActions {
						out[x] = true
					}
				}
				out[a] = true
			}
		}
	}
	return out
}

// node is the value of key in a YAML mapping, or nil.
func node(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalars lists every scalar value under n.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalars(c)...)
	}
	return out
}

// mentions reports whether a scalar under n names the logical ID (IdempotencyTable,
// IdempotencyTable.Arn, ${IdempotencyTable.Arn}/…).
func mentions(n *yaml.Node, logicalID string) bool {
	return slices.ContainsFunc(scalars(n), func(s string) bool {
		return s == logicalID || strings.HasPrefix(s, logicalID+".") || strings.Contains(s, "${"+logicalID+"}") ||
			strings.Contains(s, "${"+logicalID+".")
	})
}

// The walk must report an idempotency wiring that lies, in both directions.
func TestIdempotencyWiringMistakesAreReported(t *testing.T) {
	tpl, err := stack.Parse([]byte(`
Resources:
  NotifySendFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref IdempotencyTable}
      Events:
        Api: {Type: HttpApi, Properties: {Method: POST, Path: /api/v1/notify}}
  DepositFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:PutItem]
              Resource: !GetAtt IdempotencyTable.Arn
      Events:
        Api: {Type: HttpApi, Properties: {Method: POST, Path: /api/v1/wallet/deposits}}
  DisplayTokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:PutItem]
              Resource: !Sub "${IdempotencyTable.Arn}"
      Events:
        Api: {Type: HttpApi, Properties: {Method: POST, Path: "/api/v1/doctors/{id}/display-tokens"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	probs, err := policyProblems(tpl)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(probs, "\n")
	for _, want := range []string{
		"POST /api/v1/notify: Idempotency required-by-route keeps no chain record, yet NotifySendFunction may dynamodb:PutItem IdempotencyTable",
		"POST /api/v1/wallet/deposits: the chain keeps its idempotency records (required), but DepositFunction is not granted [dynamodb:UpdateItem dynamodb:DeleteItem] on IdempotencyTable",
		"POST /api/v1/doctors/{id}/display-tokens: Idempotency none keeps no chain record, yet DisplayTokenFunction may dynamodb:PutItem IdempotencyTable",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("not reported: %s\ngot:\n%s", want, all)
		}
	}
	bad := authz.Policy{Action: "x.y", Roles: []string{"admin"}, Idempotency: authz.IdempotencyRequiredByRoute}
	if p := idempotencyProblems("GET /x", "GET", bad, tpl.Resources["DepositFunction"]); len(p) == 0 ||
		!strings.Contains(p[0], "not a mutating non-GET route") {
		t.Errorf("a keyed GET not reported: %v", p)
	}
	if p := idempotencyProblems("POST /x", "POST", authz.Policy{Mutating: true, Idempotency: 9}, tpl.Resources["DepositFunction"]); len(p) != 1 ||
		!strings.Contains(p[0], "not in the policy vocabulary") {
		t.Errorf("an unknown Idempotency value not reported: %v", p)
	}
}

// openAPIKeyProblems compares each documented operation's Idempotency-Key parameter with the
// route's policy: a required key is a required header, an optional key an optional one, and a
// route that ignores the header does not document it.
func openAPIKeyProblems(spec []byte, routes []string) ([]string, error) {
	var doc struct {
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Parameters map[string]openAPIParam `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, key := range routes {
		p, _ := authz.Lookup(key)
		method, path, _ := strings.Cut(key, " ")
		opNode, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			continue // an undocumented route is the e2e spec test's to report
		}
		var op struct {
			Parameters []openAPIParam `yaml:"parameters"`
		}
		if err := opNode.Decode(&op); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		documented, required := false, false
		for _, par := range op.Parameters {
			if ref, found := strings.CutPrefix(par.Ref, "#/components/parameters/"); found {
				par = doc.Components.Parameters[ref]
			}
			if par.In == "header" && strings.EqualFold(par.Name, "Idempotency-Key") {
				documented, required = true, par.Required
			}
		}
		switch {
		case p.Idempotency == authz.IdempotencyNone && documented:
			out = append(out, key+": docs/openapi.yaml documents an Idempotency-Key the route ignores")
		case p.Idempotency != authz.IdempotencyNone && !documented:
			out = append(out, fmt.Sprintf("%s: the policy takes an Idempotency-Key (%s) that docs/openapi.yaml does not document", key, p.Idempotency))
		case documented && required != p.Idempotency.KeyRequired():
			out = append(out, fmt.Sprintf("%s: docs/openapi.yaml says the Idempotency-Key is required=%v, the policy says %s", key, required, p.Idempotency))
		}
	}
	return out, nil
}

type openAPIParam struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

func TestOpenAPIDocumentsEachRoutesIdempotencyKeyAsThePolicySays(t *testing.T) {
	spec, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	probs, err := openAPIKeyProblems(spec, authz.Routes())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
}

// The comparison must be able to fail, in each direction.
func TestOpenAPIKeyMismatchesAreReported(t *testing.T) {
	spec := []byte(`
paths:
  /api/v1/notify:
    post:
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
  /api/v1/wallet/deposits:
    post:
      parameters: []
  /api/v1/notifications/dead-letters/redrive:
    post:
      parameters:
        - {name: Idempotency-Key, in: header, required: true}
  /api/v1/loans:
    post:
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
components:
  parameters:
    IdempotencyKey: {name: Idempotency-Key, in: header}
`)
	probs, err := openAPIKeyProblems(spec, []string{"POST /api/v1/notify", "POST /api/v1/wallet/deposits",
		"POST /api/v1/notifications/dead-letters/redrive", "POST /api/v1/loans"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /api/v1/notify: docs/openapi.yaml says the Idempotency-Key is required=false, the policy says required-by-route",
		"POST /api/v1/wallet/deposits: the policy takes an Idempotency-Key (required) that docs/openapi.yaml does not document",
		"POST /api/v1/notifications/dead-letters/redrive: docs/openapi.yaml documents an Idempotency-Key the route ignores",
	}
	if !slices.Equal(probs, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(probs, "\n"), strings.Join(want, "\n"))
	}
}

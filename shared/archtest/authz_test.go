package archtest

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/problem"
)

// policyProblems walks every HttpApi route of a template × every role against the one policy
// table and lists what is wrong.
func policyProblems(tpl *stack.Template) ([]string, error) {
	routes, err := tpl.HTTPRoutes()
	if err != nil {
		return nil, err
	}
	var out []string
	inTemplate := map[string]bool{}
	for _, r := range routes {
		key := r.RouteKey()
		inTemplate[key] = true
		p, ok := authz.Lookup(key)
		if !ok {
			out = append(out, fmt.Sprintf("%s (%s): no policy entry", key, r.Function))
			continue
		}
		if p.Action == "" {
			out = append(out, key+": policy has no audit action name")
		}
		if p.Public != r.Public {
			out = append(out, fmt.Sprintf("%s: template public=%v, policy public=%v", key, r.Public, p.Public))
		}
		if r.Method != "GET" && !p.Mutating {
			out = append(out, key+": a non-GET route must be Mutating (audited)")
		}
		out = append(out, idempotencyProblems(key, r.Method, p, tpl.Resources[r.Function])...)
		if p.Public {
			continue
		}
		if len(p.Roles) == 0 {
			out = append(out, key+": no role may call it")
		}
		if err := authz.Decide(p, identity.Principal{}, nil); problemStatus(err) != 401 {
			out = append(out, fmt.Sprintf("%s: anonymous caller got %v, want 401", key, err))
		}
		for _, role := range identity.AllRoles() {
			caller := identity.Principal{Subject: "caller-" + role, Roles: []string{role}, Tenant: "t1"}
			params := map[string]string{}
			if p.OwnerParam != "" {
				params[p.OwnerParam] = caller.Subject
			}
			err := authz.Decide(p, caller, params)
			allowed := slices.Contains(p.Roles, role)
			switch {
			case allowed && err != nil:
				out = append(out, fmt.Sprintf("%s × %s: role listed but denied: %v", key, role, err))
			case !allowed && problemStatus(err) != 403:
				out = append(out, fmt.Sprintf("%s × %s: role not listed but got %v, want 403", key, role, err))
			}
		}
	}
	for _, key := range authz.Routes() {
		if !inTemplate[key] {
			out = append(out, key+": policy entry for a route the template does not declare")
		}
	}
	return out, nil
}

func problemStatus(err error) int {
	if err == nil {
		return 0
	}
	return problem.StatusOf(err)
}

func TestEveryTemplateRouteHasAPolicyForEveryRole(t *testing.T) {
	tpl, err := stack.Load(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	probs, err := policyProblems(tpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
}

// The walk must fail for a route the policy table does not know.
func TestAnUnpolicedRouteIsReported(t *testing.T) {
	tpl, err := stack.Parse([]byte(`
Resources:
  Rogue:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Api: {Type: HttpApi, Properties: {Method: DELETE, Path: /api/v1/everything}}
`))
	if err != nil {
		t.Fatal(err)
	}
	probs, err := policyProblems(tpl)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) == 0 || !strings.Contains(strings.Join(probs, "\n"), "DELETE /api/v1/everything (Rogue): no policy entry") {
		t.Fatalf("unpoliced route not reported: %v", probs)
	}
}

// Package stack reads template.yaml (SAM) with yaml.v3 nodes, keeping the !Ref / !GetAtt / !Sub
// tags, and resolves it into the concrete resources the local cloud creates and runs. The
// template is the only definition of the system: this package must never add a resource,
// route or setting that the template does not declare.
package stack

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template.
type Template struct {
	Parameters map[string]Parameter
	Conditions map[string]*yaml.Node
	Globals    *yaml.Node // Globals.Function
	Resources  map[string]*Resource
	order      []string
}

// Parameter is a template parameter with its default.
type Parameter struct {
	Name    string
	Default string
	HasDef  bool
}

// Resource is one entry under Resources.
type Resource struct {
	LogicalID  string
	Type       string
	Properties *yaml.Node
	Metadata   *yaml.Node
}

// Load reads and parses a template file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Parse(b)
}

// Parse parses template YAML.
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse template: not a mapping")
	}
	root := doc.Content[0]
	t := &Template{Parameters: map[string]Parameter{}, Conditions: map[string]*yaml.Node{}, Resources: map[string]*Resource{}}
	if p := get(root, "Parameters"); p != nil {
		for i := 0; i+1 < len(p.Content); i += 2 {
			name, body := p.Content[i].Value, p.Content[i+1]
			par := Parameter{Name: name}
			if d := get(body, "Default"); d != nil {
				par.Default, par.HasDef = d.Value, true
			}
			t.Parameters[name] = par
		}
	}
	if c := get(root, "Conditions"); c != nil {
		for i := 0; i+1 < len(c.Content); i += 2 {
			t.Conditions[c.Content[i].Value] = c.Content[i+1]
		}
	}
	if g := get(root, "Globals"); g != nil {
		t.Globals = get(g, "Function")
	}
	res := get(root, "Resources")
	if res == nil {
		return nil, fmt.Errorf("parse template: no Resources")
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		id, body := res.Content[i].Value, res.Content[i+1]
		typ := get(body, "Type")
		if typ == nil {
			return nil, fmt.Errorf("resource %s: no Type", id)
		}
		t.Resources[id] = &Resource{LogicalID: id, Type: typ.Value, Properties: get(body, "Properties"), Metadata: get(body, "Metadata")}
		t.order = append(t.order, id)
	}
	return t, nil
}

// OfType lists resources of a type in template order.
func (t *Template) OfType(typ string) []*Resource {
	var out []*Resource
	for _, id := range t.order {
		if r := t.Resources[id]; r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// HTTPRoute is one HttpApi event of a function.
type HTTPRoute struct {
	Method   string
	Path     string
	Function string // logical ID
	Public   bool   // Auth.Authorizer: NONE
}

// RouteKey is API Gateway's "METHOD /path".
func (r HTTPRoute) RouteKey() string { return r.Method + " " + r.Path }

// HTTPRoutes lists every HttpApi route the template declares, sorted by route key. It reads
// only literal Method/Path values, which is all API Gateway accepts there.
func (t *Template) HTTPRoutes() ([]HTTPRoute, error) {
	var out []HTTPRoute
	for _, fn := range t.OfType("AWS::Serverless::Function") {
		events := get(fn.Properties, "Events")
		if events == nil {
			continue
		}
		for i := 0; i+1 < len(events.Content); i += 2 {
			ev := events.Content[i+1]
			if v := get(ev, "Type"); v == nil || v.Value != "HttpApi" {
				continue
			}
			props := get(ev, "Properties")
			m, p := get(props, "Method"), get(props, "Path")
			if m == nil || p == nil {
				return nil, fmt.Errorf("%s: HttpApi event %s needs Method and Path", fn.LogicalID, events.Content[i].Value)
			}
			r := HTTPRoute{Method: strings.ToUpper(m.Value), Path: p.Value, Function: fn.LogicalID}
			if a := get(get(props, "Auth"), "Authorizer"); a != nil && a.Value == "NONE" {
				r.Public = true
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RouteKey() < out[j].RouteKey() })
	return out, nil
}

// get returns the value node of key in a mapping node, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
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

// scalar turns a YAML scalar into a Go value (string, int64, float64, bool).
func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!int":
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return v
		}
	case "!!float":
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v
		}
	case "!!bool":
		return n.Value == "true"
	case "!!null":
		return nil
	}
	return n.Value
}

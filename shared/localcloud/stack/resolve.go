package stack

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// noValue is what AWS::NoValue resolves to; containing maps and lists drop it.
type noValue struct{}

// Attrs answers !Ref and !GetAtt for resources; the local cloud fills it as it creates them.
type Attrs interface {
	Ref(logicalID string) (string, error)
	GetAtt(logicalID, attr string) (string, error)
}

// Resolver turns template nodes into plain values: map[string]any, []any, string, int64,
// float64, bool.
type Resolver struct {
	T      *Template
	Params map[string]string // parameter values (defaults already applied by NewResolver)
	Pseudo map[string]string // AWS::Region, AWS::AccountId, AWS::StackName, AWS::Partition, AWS::URLSuffix
	Attrs  Attrs
}

// NewResolver applies parameter defaults, then overrides.
func NewResolver(t *Template, overrides, pseudo map[string]string, attrs Attrs) (*Resolver, error) {
	params := map[string]string{}
	for name, p := range t.Parameters {
		if p.HasDef {
			params[name] = p.Default
		}
	}
	for k, v := range overrides {
		if _, ok := t.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameter override %s: no such parameter", k)
		}
		params[k] = v
	}
	for name := range t.Parameters {
		if _, ok := params[name]; !ok {
			return nil, fmt.Errorf("parameter %s has no default and no value", name)
		}
	}
	return &Resolver{T: t, Params: params, Pseudo: pseudo, Attrs: attrs}, nil
}

// Value resolves a node to a plain value.
func (r *Resolver) Value(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.AliasNode {
		return r.Value(n.Alias)
	}
	switch n.Tag {
	case "!Ref":
		return r.ref(n.Value)
	case "!GetAtt":
		return r.getAtt(n)
	case "!Sub":
		return r.sub(n)
	case "!If":
		return r.fnIf(n)
	case "!Join":
		return r.join(n)
	case "!Equals", "!Not", "!And", "!Or", "!Condition":
		return r.condition(n)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := r.Value(c)
			if err != nil {
				return nil, err
			}
			if _, skip := v.(noValue); !skip {
				out = append(out, v)
			}
		}
		return out, nil
	case yaml.MappingNode:
		if len(n.Content) == 2 && strings.HasPrefix(n.Content[0].Value, "Fn::") || len(n.Content) == 2 && n.Content[0].Value == "Ref" {
			return r.longForm(n.Content[0].Value, n.Content[1])
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := r.Value(n.Content[i+1])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.Content[i].Value, err)
			}
			if _, skip := v.(noValue); !skip {
				out[n.Content[i].Value] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unsupported node", n.Line)
}

// String resolves a node that must be a string.
func (r *Resolver) String(n *yaml.Node) (string, error) {
	v, err := r.Value(n)
	if err != nil {
		return "", err
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case nil:
		return "", nil
	default:
		return fmt.Sprint(t), nil
	}
}

func (r *Resolver) longForm(fn string, arg *yaml.Node) (any, error) {
	tagged := *arg
	switch fn {
	case "Ref":
		return r.ref(arg.Value)
	case "Fn::GetAtt":
		return r.getAtt(&tagged)
	case "Fn::Sub":
		return r.sub(&tagged)
	case "Fn::If":
		return r.fnIf(&tagged)
	case "Fn::Join":
		return r.join(&tagged)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		tagged.Tag = "!" + strings.TrimPrefix(fn, "Fn::")
		return r.condition(&tagged)
	}
	return nil, fmt.Errorf("unsupported intrinsic %s", fn)
}

func (r *Resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := r.Pseudo[name]; ok {
		return v, nil
	}
	if v, ok := r.Params[name]; ok {
		return v, nil
	}
	if _, ok := r.T.Resources[name]; ok {
		if r.Attrs == nil {
			return nil, fmt.Errorf("!Ref %s: resources not available yet", name)
		}
		return r.Attrs.Ref(name)
	}
	return nil, fmt.Errorf("!Ref %s: unknown name", name)
}

func (r *Resolver) getAtt(n *yaml.Node) (any, error) {
	var id, attr string
	switch n.Kind {
	case yaml.ScalarNode:
		id, attr, _ = strings.Cut(n.Value, ".")
	case yaml.SequenceNode:
		if len(n.Content) != 2 {
			return nil, fmt.Errorf("!GetAtt: want [resource, attribute]")
		}
		id, attr = n.Content[0].Value, n.Content[1].Value
	}
	if _, ok := r.T.Resources[id]; !ok {
		return nil, fmt.Errorf("!GetAtt %s.%s: unknown resource", id, attr)
	}
	if r.Attrs == nil {
		return nil, fmt.Errorf("!GetAtt %s: resources not available yet", id)
	}
	return r.Attrs.GetAtt(id, attr)
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (r *Resolver) sub(n *yaml.Node) (any, error) {
	format, vars := n.Value, map[string]string{}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) != 2 {
			return nil, fmt.Errorf("!Sub: want [string, {vars}]")
		}
		format = n.Content[0].Value
		m := n.Content[1]
		for i := 0; i+1 < len(m.Content); i += 2 {
			v, err := r.String(m.Content[i+1])
			if err != nil {
				return nil, err
			}
			vars[m.Content[i].Value] = v
		}
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		var v any
		var err error
		if id, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			v, err = r.getAtt(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: id}, {Kind: yaml.ScalarNode, Value: attr}}})
		} else {
			v, err = r.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return fmt.Sprint(v)
	})
	if firstErr != nil {
		return nil, fmt.Errorf("!Sub %q: %w", format, firstErr)
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}

func (r *Resolver) fnIf(n *yaml.Node) (any, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 3 {
		return nil, fmt.Errorf("!If: want [condition, then, else]")
	}
	ok, err := r.Condition(n.Content[0].Value)
	if err != nil {
		return nil, err
	}
	if ok {
		return r.Value(n.Content[1])
	}
	return r.Value(n.Content[2])
}

// Condition evaluates a named condition.
func (r *Resolver) Condition(name string) (bool, error) {
	c, ok := r.T.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	v, err := r.condition(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	return v.(bool), nil
}

func (r *Resolver) condition(n *yaml.Node) (any, error) {
	args := n.Content
	switch n.Tag {
	case "!Condition":
		return r.Condition(n.Value)
	case "!Equals":
		if len(args) != 2 {
			return nil, fmt.Errorf("!Equals: want two values")
		}
		a, err := r.String(args[0])
		if err != nil {
			return nil, err
		}
		b, err := r.String(args[1])
		if err != nil {
			return nil, err
		}
		return a == b, nil
	case "!Not":
		if len(args) != 1 {
			return nil, fmt.Errorf("!Not: want one condition")
		}
		v, err := r.condition(args[0])
		if err != nil {
			return nil, err
		}
		return !v.(bool), nil
	case "!And", "!Or":
		and := n.Tag == "!And"
		acc := and
		for _, a := range args {
			v, err := r.condition(a)
			if err != nil {
				return nil, err
			}
			if and {
				acc = acc && v.(bool)
			} else {
				acc = acc || v.(bool)
			}
		}
		return acc, nil
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Condition" {
		return r.Condition(n.Content[1].Value)
	}
	return r.Value(n)
}

func (r *Resolver) join(n *yaml.Node) (any, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return nil, fmt.Errorf("!Join: want [delimiter, [values]]")
	}
	v, err := r.Value(n.Content[1])
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("!Join: values must be a list")
	}
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, n.Content[0].Value), nil
}

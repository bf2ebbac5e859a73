package correlation

import (
	"context"
	"strings"
	"testing"
)

func TestAccept(t *testing.T) {
	cases := []struct {
		in   string
		keep bool
	}{
		{"abc-123", true},
		{"Root=1-5e1b4151-5ac6c58f;x", false},
		{"a.b_c:d-E", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{"has space", false},
		{"new\nline", false},
		{"ünï", false},
		{"<script>", false},
	}
	for _, c := range cases {
		got := Accept(c.in)
		if c.keep && got != c.in {
			t.Errorf("%q replaced by %q", c.in, got)
		}
		if !c.keep && (got == c.in || !Valid(got)) {
			t.Errorf("%q: got %q", c.in, got)
		}
	}
}

func TestContext(t *testing.T) {
	if FromContext(context.Background()) != "" {
		t.Fatal("empty context has an ID")
	}
	if got := FromContext(With(context.Background(), "x-1")); got != "x-1" {
		t.Fatal(got)
	}
	if New() == New() {
		t.Fatal("IDs repeat")
	}
}

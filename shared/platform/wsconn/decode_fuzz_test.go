package wsconn

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/jwtauth"
)

// The WebSocket $connect decoders of untrusted query parameters: the `token` (a bearer JWT or
// a display token) and the topic. The seeds run in every `go test`; `go test -fuzz FuzzX
// ./shared/platform/wsconn` explores further. Both are pure; the grant lookup in the
// connection store is exercised by the end-to-end tests.

const methodArn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/$connect"

func FuzzAuthorizerHandle(f *testing.F) {
	iss, err := jwtauth.NewDevIssuer()
	if err != nil {
		f.Fatal(err)
	}
	forger, err := jwtauth.NewDevIssuer()
	if err != nil {
		f.Fatal(err)
	}
	forger.KeyID = iss.KeyID
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	mint := func(d *jwtauth.DevIssuer, s jwtauth.TokenSpec) string {
		s.Now = now
		tok, err := d.Mint(s)
		if err != nil {
			f.Fatal(err)
		}
		return tok
	}
	good := mint(iss, jwtauth.TokenSpec{Subject: "u1", Roles: []string{"patient"}})
	for _, s := range []string{
		good,
		mint(iss, jwtauth.TokenSpec{Subject: "display", Roles: []string{"admin"}, Extra: map[string]any{"display": "true"}}),
		mint(forger, jwtauth.TokenSpec{Subject: "u1", Roles: []string{"admin"}}),
		mint(iss, jwtauth.TokenSpec{Subject: "u1", Audience: "elsewhere"}),
		"hfd_" + strings.Repeat("A", 32), "hfd_" + strings.Repeat("z", 128), "hfd_" + strings.Repeat("z", 129),
		"hfd_" + strings.Repeat("A", 31), "hfd_" + strings.Repeat("A", 31) + "\n", "hfd_" + strings.Repeat("A", 31) + "=",
		"HFD_" + strings.Repeat("A", 32), "hfd_" + strings.Repeat("A", 31) + "é", "hfd_../../" + strings.Repeat("A", 32),
		"", "Bearer " + good, "not.a.token", "<script>",
	} {
		f.Add(true, s)
	}
	f.Add(false, "")
	v := iss.Verifier()
	v.Now = func() time.Time { return now }
	a := &Authorizer{Verifier: v, RolesClaim: "roles", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, present bool, tok string) {
		q := map[string]string{}
		if present {
			q["token"] = tok
		}
		ev := events.APIGatewayCustomAuthorizerRequestTypeRequest{Type: "REQUEST", MethodArn: methodArn, QueryStringParameters: q}
		resp, err := a.Handle(context.Background(), ev)
		tok = q["token"] // what the authorizer saw
		if err != nil {
			// API Gateway's contract: exactly "Unauthorized", and nothing allowed.
			if !errors.Is(err, ErrUnauthorized) || err.Error() != "Unauthorized" || resp.PrincipalID != "" || len(resp.PolicyDocument.Statement) != 0 {
				t.Fatalf("%q refused with %v / %+v", tok, err, resp)
			}
			if IsGrantToken(tok) {
				t.Fatalf("display-token shape %q refused", tok)
			}
			return
		}
		st := resp.PolicyDocument.Statement
		if len(st) != 1 || st[0].Effect != "Allow" || len(st[0].Resource) != 1 || st[0].Resource[0] != methodArn {
			t.Fatalf("%q: policy %+v allows more than this $connect", tok, resp.PolicyDocument)
		}
		if IsGrantToken(tok) {
			// A display token carries no identity and no role but "display".
			if resp.PrincipalID != "display" || resp.Context["sub"] != "" || resp.Context["roles"] != "display" || resp.Context["display"] != "true" {
				t.Fatalf("display token %q allowed as %+v", tok, resp)
			}
			if len(tok) < len(GrantPrefix)+32 || len(tok) > len(GrantPrefix)+128 || !strings.HasPrefix(tok, GrantPrefix) ||
				strings.ContainsFunc(tok[len(GrantPrefix):], func(r rune) bool {
					return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
				}) {
				t.Fatalf("%q passed as a display token", tok)
			}
			return
		}
		// Anything else is allowed only as a token the issuer signed, for the subject it names,
		// and never as a display screen.
		claims, verr := v.Verify(context.Background(), tok)
		if verr != nil {
			t.Fatalf("%q allowed, but does not verify: %v", tok, verr)
		}
		if sub, _ := claims["sub"].(string); resp.PrincipalID != sub || resp.Context["sub"] != sub {
			t.Fatalf("%q allowed as %q / %v, token says %v", tok, resp.PrincipalID, resp.Context["sub"], claims["sub"])
		}
		if _, ok := resp.Context["display"]; ok {
			t.Fatalf("a JWT %q was admitted as a display screen", tok)
		}
	})
}

func FuzzTopicFromQuery(f *testing.F) {
	for _, s := range []string{"doc-1", "a", strings.Repeat("a", 64), strings.Repeat("a", 65), "", "doc#1", "doc 1", "doc-1\n",
		"../doc", "doc%231", "ドクター", "doc\x00", "<b>", "doctor#doc-1"} {
		f.Add(true, s)
	}
	f.Add(false, "")
	f.Fuzz(func(t *testing.T, present bool, id string) {
		q := map[string]string{"token": "x"}
		if present {
			q["doctorId"] = id
		}
		topic, err := TopicFromQuery(q)
		switch {
		case !present:
			if topic != "" || err != nil {
				t.Fatalf("no doctorId: %q %v", topic, err)
			}
		case err != nil:
			if topic != "" {
				t.Fatalf("%q refused but topic %q", id, topic)
			}
		default:
			// Accepted: one doctor's topic, the ID 1–64 of [A-Za-z0-9_-], so no ID can name
			// another topic (no '#', no separator, no escape).
			rest, ok := strings.CutPrefix(topic, "doctor#")
			if !ok || rest != id || id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
				return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
			}) {
				t.Fatalf("%q accepted as topic %q", id, topic)
			}
		}
	})
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"holdfast/shared/platform/jwtauth"
)

func TestTokenCommandMintsAVerifiableToken(t *testing.T) {
	state := t.TempDir()
	var out bytes.Buffer
	if err := runToken([]string{"--sub", "alice", "--role", "customer,admin", "--state", state}, &out); err != nil {
		t.Fatal(err)
	}
	iss, err := jwtauth.LoadOrCreateDevIssuer(state)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := iss.Verifier().Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("token from `holdfast token` rejected by the issuer the local cloud loads: %v", err)
	}
	if got := jwtauth.FlattenClaims(claims)["roles"]; claims["sub"] != "alice" || got != "[customer admin]" {
		t.Fatalf("claims = %v", claims)
	}
	if _, err := filepath.Glob(filepath.Join(state, "dev-issuer.json")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--role", "customer"}, {"--sub", "x"}, {"--sub", "x", "--role", "customer admin"},
		{"--sub", "x", "--role", "customer,Admin"}, {"--sub", "x", "--role", "customer,"}, {"--sub", "x", "--role", "customer, admin"}} {
		if err := runToken(append(args, "--state", state), &out); err == nil {
			t.Errorf("runToken(%v) accepted missing arguments or an unknown role", args)
		}
	}
}

func TestScheduleRunRejectsABadAsOf(t *testing.T) {
	var out bytes.Buffer
	if err := runSchedule([]string{"run", "X", "--as-of", "tomorrow", "--url", "http://127.0.0.1:1"}, &out); err == nil || !strings.Contains(err.Error(), "--as-of") {
		t.Fatalf("bad --as-of: %v", err)
	}
	if err := runSchedule([]string{"run"}, &out); err == nil {
		t.Fatal("run without a name accepted")
	}
}

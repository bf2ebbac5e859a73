package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// descendants lists the live processes below pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces, so split after the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(pid)
	return out
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// TestCtrlCStopsEverything starts `holdfast local` as a user would, makes a function start,
// sends SIGINT and checks that every process it started (emulator, function instances) is gone.
func TestCtrlCStopsEverything(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, ".build", "host", "health", "bootstrap")); err != nil {
		t.Fatal("function binaries are not built: run `make build-host` (make test does it first)")
	}
	bin := filepath.Join(t.TempDir(), "holdfast")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build holdfast: %v\n%s", err, out)
	}
	// Run from the repository root with the relative paths `make run` uses.
	state := t.TempDir()
	cmd := exec.Command(bin, "local", "--http", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--quiet",
		"--template", "template.yaml", "--bin", filepath.Join(".build", "host"), "--state", state)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL=") // always its own emulator
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var httpURL string
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "HTTP API"); ok {
				httpURL = strings.TrimSpace(u)
			}
			if strings.HasPrefix(line, "ready:") {
				ready <- nil
			}
		}
		ready <- sc.Err()
	}()
	select {
	case err := <-ready:
		if err != nil || httpURL == "" {
			t.Fatalf("no ready line (url %q): %v", httpURL, err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("holdfast local did not print its ready line within 90s")
	}
	resp, err := http.Get(httpURL + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health through the started cloud: %d", resp.StatusCode)
	}
	// The CLI fires a schedule with a chosen time, and the function sees that time.
	// The local endpoints answer only an admin of the dev issuer; the CLI signs one from --state.
	anon, err := http.Post(httpURL+"/__local/schedules/WsSweepFunction.Sweep/run", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	anon.Body.Close()
	if anon.StatusCode != 401 {
		t.Fatalf("a local endpoint without a token: %d, want 401", anon.StatusCode)
	}
	out, err := exec.Command(bin, "schedule", "run", "WsSweepFunction.Sweep", "--as-of", "2031-05-06T07:08:09Z", "--url", httpURL, "--state", state).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"asOf":"2031-05-06T07:08:09Z"`) {
		t.Fatalf("holdfast schedule run --as-of: %v\n%s", err, out)
	}
	kids := descendants(cmd.Process.Pid)
	if len(kids) < 2 { // at least the emulator and the health function
		t.Fatalf("expected the emulator and a function process under holdfast, found %v", kids)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("holdfast local did not exit within 20s of Ctrl-C")
	}
	// Its children may still be on their way out when it has exited: wait for them to end
	// (the bound only turns one that never does into a failure), then name any survivor.
	survivors := func() []int {
		var out []int
		for _, p := range kids {
			if alive(p) {
				out = append(out, p)
			}
		}
		return out
	}
	for deadline := time.Now().Add(10 * time.Second); len(survivors()) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range survivors() {
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		t.Errorf("process %d (%s) outlived Ctrl-C", p, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
}

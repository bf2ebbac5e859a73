package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// cdp is a minimal Chrome DevTools Protocol client over one page target.
type cdp struct {
	c    *websocket.Conn
	id   atomic.Int64
	mu   sync.Mutex
	wait map[int64]chan json.RawMessage
}

func (p *cdp) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id := p.id.Add(1)
	ch := make(chan json.RawMessage, 1)
	p.mu.Lock()
	p.wait[id] = ch
	p.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := p.c.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		var res struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(r, &res)
		if res.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, res.Error.Message)
		}
		return res.Result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *cdp) eval(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	r, err := p.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	_ = json.Unmarshal(r, &out)
	return fmt.Sprint(out.Result.Value)
}

// startChromium runs headless Chromium with a DevTools port and returns a client on its page.
func startChromium(t *testing.T, ctx context.Context) *cdp {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run `make chromium` (or .ci/run, which installs it)")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+dir, "--remote-debugging-port=0", "--window-size=1280,800", "about:blank")
	// Its own process group, killed whole: Chromium's zygote and renderers outlive a killed
	// parent and keep writing into the profile folder the test then removes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		for i := 0; i < 50 && syscall.Kill(-cmd.Process.Pid, 0) == nil; i++ {
			time.Sleep(20 * time.Millisecond) // the group's last members are being reaped
		}
	})
	var port string
	eventually(t, 30*time.Second, "chromium writes DevToolsActivePort", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if err != nil {
			return false
		}
		port = strings.SplitN(string(b), "\n", 2)[0]
		return port != ""
	})
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	eventually(t, 10*time.Second, "a page target", func() bool {
		resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		targets = nil
		_ = json.Unmarshal(b, &targets)
		for _, tg := range targets {
			if tg.Type == "page" {
				return true
			}
		}
		return false
	})
	var wsURL string
	for _, tg := range targets {
		if tg.Type == "page" {
			wsURL = tg.WS
			break
		}
	}
	c, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(64 << 20)
	p := &cdp{c: c, wait: map[int64]chan json.RawMessage{}}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m struct {
				ID int64 `json:"id"`
			}
			if json.Unmarshal(data, &m) == nil && m.ID != 0 {
				p.mu.Lock()
				ch := p.wait[m.ID]
				delete(p.wait, m.ID)
				p.mu.Unlock()
				if ch != nil {
					ch <- data
				}
			}
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return p
}

// The board in headless Chromium: it shows now serving and the next tokens with initials
// only, and updates after a check-in without a reload.
func TestClinicBoardInChromium(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := newClinic(t, 10)
	names := []string{"Kavya Menon", "Rohan Shah", "Sana Ali", "Tara Bose"}
	var ps []patient
	for _, n := range names {
		ps = append(ps, e.book(t, n))
	}
	e.post(t, "/api/v1/appointments/"+ps[1].appt+"/check-in", e.reception, 200)
	e.post(t, "/api/v1/doctors/"+e.doctor+"/queue/next", e.doc, 200) // Rohan Shah, reshuffled to token 1, is being served

	page := startChromium(t, ctx)
	url := cloud.HTTPURL() + "/board/" + e.doctor + "#display=" + displayToken(t, e)
	if _, err := page.call(ctx, "Page.navigate", map[string]any{"url": url}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("page status %q, body %q", page.eval(t, ctx, `document.getElementById('status').textContent`),
				page.eval(t, ctx, `document.body.innerText`))
		}
	}()
	eventually(t, 20*time.Second, "the board paints now serving and goes live", func() bool {
		return page.eval(t, ctx, `document.getElementById('now-token').textContent`) == "1" &&
			page.eval(t, ctx, `document.getElementById('status').textContent`) == "live"
	})
	if got := page.eval(t, ctx, `document.getElementById('now-name').textContent`); got != "R. S." {
		t.Fatalf("now serving shows %q", got)
	}
	rows := func() string {
		return page.eval(t, ctx, `Array.from(document.querySelectorAll('#next tr')).map(r => Array.from(r.cells).map(c => c.textContent).join('|')).join(';')`)
	}
	if got := rows(); !strings.HasPrefix(got, "2|K. M.|not arrived|") || !strings.Contains(got, "3|S. A.|not arrived") {
		t.Fatalf("next rows: %q", got)
	}
	// A marker survives only if the page is not reloaded.
	page.eval(t, ctx, `window.__noReload = 'still here'`)
	e.post(t, "/api/v1/appointments/"+ps[3].appt+"/check-in", ps[3].tok, 200) // Tara Bose arrives
	eventually(t, 10*time.Second, "the board shows the check-in without a reload", func() bool {
		return strings.HasPrefix(rows(), "2|T. B.|here|")
	})
	if page.eval(t, ctx, `window.__noReload`) != "still here" {
		t.Fatal("the board reloaded")
	}
	html := page.eval(t, ctx, `document.documentElement.outerHTML`)
	for _, n := range names {
		for _, part := range strings.Fields(n) {
			if strings.Contains(html, part) {
				t.Fatalf("the page shows %q", part)
			}
		}
	}
	if shot, err := page.call(ctx, "Page.captureScreenshot", map[string]any{"format": "png"}); err == nil {
		var s struct {
			Data string `json:"data"`
		}
		_ = json.Unmarshal(shot, &s)
		png, _ := base64.StdEncoding.DecodeString(s.Data)
		out := filepath.Join(os.TempDir(), "holdfast-clinic-board.png")
		if os.WriteFile(out, png, 0o644) == nil {
			t.Logf("screenshot: %s", out)
		}
	}
}

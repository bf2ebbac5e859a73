package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// AllowPlainMotoEnv, set to "1", lets CheckEndpoint accept a plain moto_server.
const AllowPlainMotoEnv = "HOLDFAST_ALLOW_PLAIN_MOTO"

// AtomicHeader is the response header moto_server_atomic.py puts on every response (value "1").
const AtomicHeader = "X-Holdfast-Atomic"

// ErrPlainMoto says the endpoint is a moto_server without the atomic DynamoDB wrapper.
var ErrPlainMoto = errors.New("plain moto_server refused: plain moto loses committed DynamoDB " +
	"writes under concurrent transactions (a cancelled TransactWriteItems restores a copy of the " +
	"table taken when it began; measured: 40 concurrent deposits through the routes, 40 " +
	"acknowledged, 32 posted; see docs/decisions/0002-atomic-dynamodb-in-moto.md). Unset " +
	"AWS_ENDPOINT_URL so the local cloud starts its own emulator, or set " +
	AllowPlainMotoEnv + "=1 to use this one anyway")

// CheckEndpoint refuses a plain moto_server at endpoint: it returns ErrPlainMoto (wrapped, with
// the endpoint) when GET /moto-api/ answers with moto's dashboard and the response lacks the
// wrapper's AtomicHeader. Anything that is not moto (LocalStack, say), and our wrapper, pass;
// so does everything when $HOLDFAST_ALLOW_PLAIN_MOTO is "1". An endpoint that cannot be asked
// (no answer within 5 s) is an error too: whether it is safe cannot be told.
func CheckEndpoint(ctx context.Context, endpoint string) error {
	if os.Getenv(AllowPlainMotoEnv) == "1" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/moto-api/", nil)
	if err != nil {
		return fmt.Errorf("check emulator %s: %w", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("check emulator %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get(AtomicHeader) == "1" {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("check emulator %s: %w", endpoint, err)
	}
	if resp.StatusCode == http.StatusOK && isMotoDashboard(body) {
		return fmt.Errorf("emulator at %s: %w", endpoint, ErrPlainMoto)
	}
	return nil
}

// isMotoDashboard reports whether body is the page moto serves at /moto-api/.
func isMotoDashboard(body []byte) bool {
	return bytes.Contains(bytes.ToLower(body), []byte("<title>moto</title>"))
}

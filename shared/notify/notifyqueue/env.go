package notifyqueue

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/provider"
)

// Env is the notification functions' environment beyond the platform configuration.
type Env struct {
	Table           string                    // NOTIFY_TABLE
	QueueURLs       map[notify.Channel]string // NOTIFY_EMAIL_QUEUE_URL, NOTIFY_SMS_QUEUE_URL, NOTIFY_PUSH_QUEUE_URL
	IntakeQueueURL  string                    // NOTIFY_INTAKE_QUEUE_URL
	SecretPrefix    string                    // NOTIFY_SECRET_PREFIX
	DefaultProvider string                    // NOTIFY_DEFAULT_PROVIDER: sandbox (default) or live
	BrevoBaseURL    string                    // BREVO_BASE_URL
	TwoFactorURL    string                    // TWOFACTOR_BASE_URL
	FCMBaseURL      string                    // FCM_BASE_URL
	FCMTokenURL     string                    // FCM_TOKEN_URL
	// RetryDelay is the wait before a transient failure is retried (NOTIFY_RETRY_SECONDS,
	// default 2): the worker sets it as the message's visibility timeout, so the queue's own
	// timeout can stay above the function timeout as Lambda requires.
	RetryDelay time.Duration
}

// EnvFromOS reads Env from the process environment.
func EnvFromOS() Env { return EnvFrom(os.Getenv) }

// EnvFrom reads Env through getenv, filling the providers' real base URLs as defaults.
func EnvFrom(getenv func(string) string) Env {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	return Env{
		Table: get("NOTIFY_TABLE", ""),
		QueueURLs: map[notify.Channel]string{
			notify.Email: get("NOTIFY_EMAIL_QUEUE_URL", ""),
			notify.SMS:   get("NOTIFY_SMS_QUEUE_URL", ""),
			notify.Push:  get("NOTIFY_PUSH_QUEUE_URL", ""),
		},
		IntakeQueueURL:  get("NOTIFY_INTAKE_QUEUE_URL", ""),
		SecretPrefix:    get("NOTIFY_SECRET_PREFIX", "holdfast/notify/tenants/"),
		DefaultProvider: get("NOTIFY_DEFAULT_PROVIDER", notify.ProviderSandbox),
		BrevoBaseURL:    get("BREVO_BASE_URL", provider.DefaultBrevoBaseURL),
		TwoFactorURL:    get("TWOFACTOR_BASE_URL", provider.DefaultTwoFactorBaseURL),
		FCMBaseURL:      get("FCM_BASE_URL", provider.DefaultFCMBaseURL),
		FCMTokenURL:     get("FCM_TOKEN_URL", provider.DefaultFCMTokenURL),
		RetryDelay:      retrySeconds(get("NOTIFY_RETRY_SECONDS", "2")),
	}
}

func retrySeconds(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 43200 {
		return 2 * time.Second
	}
	return time.Duration(n) * time.Second
}

// DefaultProviderFor is the provider a channel uses when the tenant chose none.
func (e Env) DefaultProviderFor(c notify.Channel) string {
	if e.DefaultProvider == "live" {
		return notify.LiveProvider(c)
	}
	return notify.ProviderSandbox
}

// Require checks that the named parts are set.
func (e Env) Require(table, queues bool) error {
	var errs []error
	if table && e.Table == "" {
		errs = append(errs, errors.New("NOTIFY_TABLE is not set"))
	}
	if queues {
		for _, c := range notify.AllChannels() {
			if e.QueueURLs[c] == "" {
				errs = append(errs, fmt.Errorf("NOTIFY_%s_QUEUE_URL is not set", c))
			}
		}
	}
	if e.DefaultProvider != notify.ProviderSandbox && e.DefaultProvider != "live" {
		errs = append(errs, fmt.Errorf("NOTIFY_DEFAULT_PROVIDER %q: want sandbox or live", e.DefaultProvider))
	}
	return errors.Join(errs...)
}

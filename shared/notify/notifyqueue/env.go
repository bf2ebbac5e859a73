package notifyqueue

import (
	"errors"
	"fmt"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/provider"
	"holdfast/shared/platform/config"
)

// Env is the notification functions' environment beyond the platform configuration, as EnvOf
// derives it from config.Config (the variables named below are read there).
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

// DefaultSecretPrefix is where tenants' provider secrets live when NOTIFY_SECRET_PREFIX is unset.
const DefaultSecretPrefix = "holdfast/notify/tenants/"

// EnvOf is the notification environment as package config read it, with the product's
// defaults filled in: the providers' real base URLs, DefaultSecretPrefix and the sandbox
// provider.
func EnvOf(c config.Config) Env {
	or := func(v, def string) string {
		if v != "" {
			return v
		}
		return def
	}
	n := c.Notify
	return Env{
		Table: c.NotifyTable,
		QueueURLs: map[notify.Channel]string{
			notify.Email: n.EmailQueueURL,
			notify.SMS:   n.SMSQueueURL,
			notify.Push:  n.PushQueueURL,
		},
		IntakeQueueURL:  n.IntakeQueueURL,
		SecretPrefix:    or(n.SecretPrefix, DefaultSecretPrefix),
		DefaultProvider: or(n.DefaultProvider, notify.ProviderSandbox),
		BrevoBaseURL:    or(n.BrevoBaseURL, provider.DefaultBrevoBaseURL),
		TwoFactorURL:    or(n.TwoFactorBaseURL, provider.DefaultTwoFactorBaseURL),
		FCMBaseURL:      or(n.FCMBaseURL, provider.DefaultFCMBaseURL),
		FCMTokenURL:     or(n.FCMTokenURL, provider.DefaultFCMTokenURL),
		RetryDelay:      n.RetryDelay,
	}
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

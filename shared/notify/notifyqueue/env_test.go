package notifyqueue

import (
	"testing"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/provider"
	"holdfast/shared/platform/config"
)

func TestEnvOfFillsTheProductDefaults(t *testing.T) {
	e := EnvOf(config.Config{NotifyTable: "notify", Notify: config.Notify{SMSQueueURL: "http://q/sms", RetryDelay: 3 * time.Second}})
	if e.Table != "notify" || e.QueueURLs[notify.SMS] != "http://q/sms" || e.QueueURLs[notify.Email] != "" ||
		e.SecretPrefix != DefaultSecretPrefix || e.DefaultProvider != notify.ProviderSandbox || e.RetryDelay != 3*time.Second ||
		e.BrevoBaseURL != provider.DefaultBrevoBaseURL || e.TwoFactorURL != provider.DefaultTwoFactorBaseURL ||
		e.FCMBaseURL != provider.DefaultFCMBaseURL || e.FCMTokenURL != provider.DefaultFCMTokenURL {
		t.Fatalf("%+v", e)
	}
	e = EnvOf(config.Config{Notify: config.Notify{SecretPrefix: "p/", DefaultProvider: "live", BrevoBaseURL: "http://b",
		TwoFactorBaseURL: "http://2", FCMBaseURL: "http://f", FCMTokenURL: "http://t"}})
	if e.SecretPrefix != "p/" || e.DefaultProvider != "live" || e.BrevoBaseURL != "http://b" || e.TwoFactorURL != "http://2" ||
		e.FCMBaseURL != "http://f" || e.FCMTokenURL != "http://t" {
		t.Fatalf("%+v", e)
	}
	if err := e.Require(true, true); err == nil {
		t.Fatal("an environment without table and queues passed Require")
	}
}

package notifyworker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/clientcache"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/notify/provider"
)

// permanentError is a tenant configuration no retry can fix (not registered, no
// credentials for the chosen provider).
type permanentError struct{ reason string }

func (e permanentError) Error() string { return e.reason }

// ChannelSender is a tenant's cached client for one channel.
type ChannelSender struct {
	sender provider.Sender
	name   string
}

// Senders builds and caches each tenant's provider client for one channel: at most 200
// tenants, idle ones dropped after an hour, one build under concurrent first use
// (clientcache). For PUSH the cached value is the tenant's Firebase client with its OAuth
// token.
type Senders struct {
	Channel notify.Channel
	Store   *notifystore.Store
	Secrets interface {
		Get(ctx context.Context, tenant, version string) (notify.TenantSecret, error)
	}
	Env   notifyqueue.Env
	HTTP  *http.Client
	Now   func() time.Time
	Cache *clientcache.Cache[ChannelSender]
}

// For returns the tenant's sender for the channel and the provider's name.
func (s *Senders) For(ctx context.Context, tenant string) (provider.Sender, string, error) {
	cs, err := s.Cache.Get(ctx, tenant, func(ctx context.Context) (ChannelSender, error) { return s.build(ctx, tenant) })
	return cs.sender, cs.name, err
}

func (s *Senders) build(ctx context.Context, tenantID string) (ChannelSender, error) {
	registration, registered, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return ChannelSender{}, err
	}
	t, err := notify.SendingTenant(tenantID, registration, registered)
	if err != nil {
		return ChannelSender{}, permanentError{"tenant " + tenantID + " is not registered"}
	}
	name := t.ProviderFor(s.Channel, s.Env.DefaultProviderFor(s.Channel))
	if name == notify.ProviderSandbox {
		return ChannelSender{sender: &provider.Sandbox{Recorder: s.Store, Now: s.Now}, name: name}, nil
	}
	sec, err := s.Secrets.Get(ctx, tenantID, t.SecretVersion)
	if errors.Is(err, notifystore.ErrNoSecret) {
		return ChannelSender{}, permanentError{"tenant " + tenantID + " has no credentials for " + name}
	}
	if err != nil {
		return ChannelSender{}, err
	}
	switch name {
	case notify.ProviderBrevo:
		if sec.BrevoAPIKey == "" {
			return ChannelSender{}, permanentError{"tenant " + tenantID + " has no Brevo API key"}
		}
		return ChannelSender{name: name, sender: &provider.Brevo{BaseURL: s.Env.BrevoBaseURL, APIKey: sec.BrevoAPIKey,
			SenderEmail: t.SenderEmail, SenderName: t.SenderName, HTTP: s.HTTP, Now: s.Now}}, nil
	case notify.ProviderTwoFactor:
		if sec.TwoFactorAPIKey == "" {
			return ChannelSender{}, permanentError{"tenant " + tenantID + " has no 2Factor API key"}
		}
		return ChannelSender{name: name, sender: &provider.TwoFactor{BaseURL: s.Env.TwoFactorURL, APIKey: sec.TwoFactorAPIKey,
			SenderID: t.SMSSender, HTTP: s.HTTP, Now: s.Now}}, nil
	case notify.ProviderFCM:
		if len(sec.FirebaseAccount) == 0 {
			return ChannelSender{}, permanentError{"tenant " + tenantID + " has no Firebase service account"}
		}
		c, err := provider.NewFCM(s.Env.FCMBaseURL, s.Env.FCMTokenURL, sec.FirebaseAccount, s.HTTP, s.Now)
		if err != nil {
			return ChannelSender{}, permanentError{"tenant " + tenantID + " Firebase service account: " + err.Error()}
		}
		return ChannelSender{name: name, sender: c}, nil
	}
	return ChannelSender{}, permanentError{fmt.Sprintf("provider %q cannot deliver %s", name, s.Channel)}
}

package dynamo

import (
	"time"

	"holdfast/shared/localcloud/dynamo/attr"
)

// TTL follows the Developer Guide, "Using time to live (TTL) in DynamoDB": an item whose TTL
// attribute is a Number of epoch seconds in the past is deleted by the service, and the
// deletion reaches the stream as a REMOVE record whose userIdentity is the DynamoDB service.
// Items whose TTL attribute is not a Number, or lies more than five years in the past, are
// never deleted. DynamoDB deletes within days; this engine within one sweep interval.
const ttlHorizon = 5 * 365 * 24 * time.Hour

func (e *Engine) ttlLoop(every time.Duration) {
	defer e.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.SweepTTL()
		}
	}
}

// SweepTTL deletes every expired item now and trims stream records past retention; it
// returns how many items it deleted.
func (e *Engine) SweepTTL() int {
	now, ttlNow := e.now(), e.ttlNow()
	e.mu.Lock()
	defer e.mu.Unlock()
	for arn, s := range e.streams {
		s.trim(now)
		// A deleted table's stream stays readable for 24 hours, then goes.
		if !s.enabled && !s.disabledAt.IsZero() && now.Sub(s.disabledAt) >= streamRetention {
			delete(e.streams, arn)
		}
	}
	deleted := 0
	for _, t := range e.tables {
		if !t.TTLEnabled {
			continue
		}
		var changes []change
		t.items.Ascend(func(en *entry) bool {
			if expired(en.item[t.TTLAttr], ttlNow) {
				changes = append(changes, change{t: t, pk: en.pk, sk: en.sk, old: en, userTTL: true})
			}
			return true
		})
		if len(changes) > 0 {
			if e.commit(changes) != nil {
				return deleted // the data log failed; requests report it
			}
			deleted += len(changes)
			// TTL deletes are free (Developer Guide, "Using time to live"): counted, not charged.
			e.stats.count(t.Name, "TTLDelete", int64(len(changes)))
		}
	}
	// Expired transaction tokens go too.
	for k, tok := range e.tokens {
		if now.Sub(tok.at) >= tokenWindow {
			delete(e.tokens, k)
		}
	}
	return deleted
}

func expired(v attr.Value, now time.Time) bool {
	if v.Kind != attr.N {
		return false
	}
	secs := v.Decimal().IntPart()
	at := time.Unix(secs, 0)
	return at.Before(now) && now.Sub(at) <= ttlHorizon
}

package notifyapi

import (
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/httpapi"
)

// EnvSource yields the notification environment; production derives it from the function's
// configuration (configEnv).
type EnvSource func() notifyqueue.Env

func configEnv(d *httpapi.Deps) EnvSource {
	return func() notifyqueue.Env { return notifyqueue.EnvOf(d.Config) }
}

func store(d *httpapi.Deps, env notifyqueue.Env) (*notifystore.Store, error) {
	if err := env.Require(true, false); err != nil {
		return nil, err
	}
	return notifystore.New(d.DynamoDB, env.Table), nil
}

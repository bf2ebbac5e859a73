package ledgerapi

import (
	"errors"

	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/platform/httpapi"
)

// newStore is the ledger store over the function's LENDING table. Its clock is the real wall
// clock (ledgerstore's default): head index times must never follow the movable business clock.
func newStore(d *httpapi.Deps) (*ledgerstore.Store, error) {
	if d.Config.LendingTable == "" {
		return nil, errors.New("LENDING_TABLE is not set")
	}
	return ledgerstore.New(d.DynamoDB, ledgerstore.Options{Table: d.Config.LendingTable, Logger: d.Logger})
}

package clinicstore_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs against the package's emulator: moto with atomic DynamoDB (decision 0002),
// which the racing transactions here depend on, as they do on real DynamoDB.
func TestMain(m *testing.M) { emulatortest.Main(m) }

func newStore(t *testing.T) *clinicstore.Store {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "ClinicTable", Name: "clinic"})
	return clinicstore.New(db, "clinic")
}

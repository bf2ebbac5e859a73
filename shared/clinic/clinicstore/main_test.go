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

// TableInput is CLINIC_TABLE as template.yaml declares it: pk/sk, gsi1, a stream.
func TableInput(name string) *dynamodb.CreateTableInput {
	return platformtest.ProductTableInput(name, 1, true)
}

func newStore(t *testing.T) *clinicstore.Store {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, TableInput("clinic"))
	return clinicstore.New(db, "clinic")
}

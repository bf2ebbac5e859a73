package clinicstore_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs against the package's emulator: moto with atomic DynamoDB (decision 0002),
// which the racing transactions here depend on, as they do on real DynamoDB.
func TestMain(m *testing.M) { emulatortest.Main(m) }

// TableInput is CLINIC_TABLE as template.yaml declares it: pk/sk, gsi1, a stream.
func TableInput(name string) *dynamodb.CreateTableInput {
	in := platformtest.PKSKTableInput(name)
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	in.AttributeDefinitions = append(in.AttributeDefinitions, s("gsi1pk"), s("gsi1sk"))
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi1"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("gsi1pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("gsi1sk"), KeyType: types.KeyTypeRange}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	return in
}

func newStore(t *testing.T) *clinicstore.Store {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, TableInput("clinic"))
	return clinicstore.New(db, "clinic")
}

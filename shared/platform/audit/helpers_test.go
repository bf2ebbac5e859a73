package audit_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func jsonString(av types.AttributeValue, out *string) error {
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("not a string attribute: %T", av)
	}
	*out = s.Value
	return nil
}

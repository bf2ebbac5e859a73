package events

import (
	"bytes"
	"fmt"
	"slices"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// StreamImage is an item image as a DynamoDB stream record carries it.
type StreamImage = map[string]lambdaevents.DynamoDBAttributeValue

// Image is the item a stream record describes: its new image, or its old image for a REMOVE.
func Image(rec lambdaevents.DynamoDBEventRecord) StreamImage {
	if rec.EventName == string(lambdaevents.DynamoDBOperationTypeRemove) {
		return rec.Change.OldImage
	}
	return rec.Change.NewImage
}

// StringAttr returns the string attribute name of image. Unlike the accessors of
// aws-lambda-go, it never panics: a missing or differently typed attribute gives ok == false.
func StringAttr(image StreamImage, name string) (value string, ok bool) {
	av, found := image[name]
	if !found || av.DataType() != lambdaevents.DataTypeString {
		return "", false
	}
	return av.String(), true
}

// NumberAttr returns the number attribute name of image in DynamoDB's decimal text form.
func NumberAttr(image StreamImage, name string) (value string, ok bool) {
	av, found := image[name]
	if !found || av.DataType() != lambdaevents.DataTypeNumber {
		return "", false
	}
	return av.Number(), true
}

// UnmarshalImage decodes a stream image into v with the SDK's attributevalue rules, so stores and
// mappers share one item struct (with its `dynamodbav` tags).
func UnmarshalImage(image StreamImage, v any) error {
	item, err := ToAttributeValues(image)
	if err != nil {
		return err
	}
	if err := attributevalue.UnmarshalMap(item, v); err != nil {
		return fmt.Errorf("unmarshal stream image: %w", err)
	}
	return nil
}

// ToAttributeValues converts a stream image to the DynamoDB SDK's attribute values.
func ToAttributeValues(image StreamImage) (map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]ddbtypes.AttributeValue, len(image))
	for name, av := range image {
		v, err := toAttributeValue(av)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func toAttributeValue(av lambdaevents.DynamoDBAttributeValue) (ddbtypes.AttributeValue, error) {
	switch av.DataType() {
	case lambdaevents.DataTypeString:
		return &ddbtypes.AttributeValueMemberS{Value: av.String()}, nil
	case lambdaevents.DataTypeNumber:
		return &ddbtypes.AttributeValueMemberN{Value: av.Number()}, nil
	case lambdaevents.DataTypeBinary:
		return &ddbtypes.AttributeValueMemberB{Value: av.Binary()}, nil
	case lambdaevents.DataTypeBoolean:
		return &ddbtypes.AttributeValueMemberBOOL{Value: av.Boolean()}, nil
	case lambdaevents.DataTypeNull:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}, nil
	case lambdaevents.DataTypeStringSet:
		return &ddbtypes.AttributeValueMemberSS{Value: av.StringSet()}, nil
	case lambdaevents.DataTypeNumberSet:
		return &ddbtypes.AttributeValueMemberNS{Value: av.NumberSet()}, nil
	case lambdaevents.DataTypeBinarySet:
		return &ddbtypes.AttributeValueMemberBS{Value: av.BinarySet()}, nil
	case lambdaevents.DataTypeList:
		list := av.List()
		out := make([]ddbtypes.AttributeValue, len(list))
		for i, item := range list {
			v, err := toAttributeValue(item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = v
		}
		return &ddbtypes.AttributeValueMemberL{Value: out}, nil
	case lambdaevents.DataTypeMap:
		m, err := ToAttributeValues(av.Map())
		if err != nil {
			return nil, err
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}, nil
	default:
		return nil, fmt.Errorf("unsupported stream attribute type %d", av.DataType())
	}
}

// ImagesEqual reports whether a record's old and new images hold the same item. A MODIFY whose
// images are equal is a no-op write (DynamoDB Local and moto emit those), which announces nothing.
func ImagesEqual(rec lambdaevents.DynamoDBEventRecord) bool {
	return imagesEqual(rec.Change.OldImage, rec.Change.NewImage)
}

func imagesEqual(a, b StreamImage) bool {
	if len(a) != len(b) {
		return false
	}
	for name, av := range a {
		bv, ok := b[name]
		if !ok || !valuesEqual(av, bv) {
			return false
		}
	}
	return true
}

func valuesEqual(a, b lambdaevents.DynamoDBAttributeValue) bool {
	if a.DataType() != b.DataType() {
		return false
	}
	switch a.DataType() {
	case lambdaevents.DataTypeString:
		return a.String() == b.String()
	case lambdaevents.DataTypeNumber:
		return a.Number() == b.Number()
	case lambdaevents.DataTypeBinary:
		return bytes.Equal(a.Binary(), b.Binary())
	case lambdaevents.DataTypeBoolean:
		return a.Boolean() == b.Boolean()
	case lambdaevents.DataTypeNull:
		return true
	case lambdaevents.DataTypeStringSet:
		return sameSet(a.StringSet(), b.StringSet())
	case lambdaevents.DataTypeNumberSet:
		return sameSet(a.NumberSet(), b.NumberSet())
	case lambdaevents.DataTypeBinarySet:
		as, bs := make([]string, 0, len(a.BinarySet())), make([]string, 0, len(b.BinarySet()))
		for _, v := range a.BinarySet() {
			as = append(as, string(v))
		}
		for _, v := range b.BinarySet() {
			bs = append(bs, string(v))
		}
		return sameSet(as, bs)
	case lambdaevents.DataTypeList:
		al, bl := a.List(), b.List()
		if len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !valuesEqual(al[i], bl[i]) {
				return false
			}
		}
		return true
	case lambdaevents.DataTypeMap:
		return imagesEqual(a.Map(), b.Map())
	default:
		return false
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	as, bs := slices.Clone(a), slices.Clone(b)
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

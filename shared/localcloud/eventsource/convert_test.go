package eventsource_test

import (
	"encoding/json"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/localcloud/eventsource"
)

func TestDynamoDBRecordConvertsEveryAttributeType(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 987654321, time.UTC)
	rec := streamtypes.Record{
		AwsRegion: aws.String("us-east-1"), EventID: aws.String("e1"), EventName: streamtypes.OperationTypeRemove,
		EventSource: aws.String("aws:dynamodb"), EventVersion: aws.String("1.1"),
		UserIdentity: &streamtypes.Identity{Type: aws.String("Service"), PrincipalId: aws.String("dynamodb.amazonaws.com")},
		Dynamodb: &streamtypes.StreamRecord{
			ApproximateCreationDateTime: &at,
			Keys:                        map[string]streamtypes.AttributeValue{"pk": &streamtypes.AttributeValueMemberS{Value: "k"}},
			OldImage: map[string]streamtypes.AttributeValue{
				"s":    &streamtypes.AttributeValueMemberS{Value: "x"},
				"n":    &streamtypes.AttributeValueMemberN{Value: "1.50"},
				"b":    &streamtypes.AttributeValueMemberB{Value: []byte{1}},
				"bool": &streamtypes.AttributeValueMemberBOOL{Value: true},
				"null": &streamtypes.AttributeValueMemberNULL{Value: true},
				"ss":   &streamtypes.AttributeValueMemberSS{Value: []string{"a"}},
				"ns":   &streamtypes.AttributeValueMemberNS{Value: []string{"1"}},
				"bs":   &streamtypes.AttributeValueMemberBS{Value: [][]byte{{2}}},
				"l":    &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{&streamtypes.AttributeValueMemberS{Value: "i"}}},
				"m":    &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{"k": &streamtypes.AttributeValueMemberN{Value: "2"}}},
				"em":   &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{}},
			},
			SequenceNumber: aws.String("100"), SizeBytes: aws.Int64(42), StreamViewType: streamtypes.StreamViewTypeNewAndOldImages,
		},
	}
	got, err := eventsource.DynamoDBRecord(rec, "arn:stream")
	must(t, err)
	old := got.Change.OldImage
	if got.EventSourceArn != "arn:stream" || got.EventName != "REMOVE" || got.EventVersion != "1.1" || got.UserIdentity.Type != "Service" ||
		got.Change.NewImage != nil || got.Change.SequenceNumber != "100" || got.Change.SizeBytes != 42 ||
		!got.Change.ApproximateCreationDateTime.Equal(at.Truncate(time.Second)) {
		t.Fatalf("record %+v", got)
	}
	if old["s"].String() != "x" || old["n"].Number() != "1.50" || old["b"].Binary()[0] != 1 || !old["bool"].Boolean() ||
		!old["null"].IsNull() || old["ss"].StringSet()[0] != "a" || old["ns"].NumberSet()[0] != "1" || old["bs"].BinarySet()[0][0] != 2 ||
		old["l"].List()[0].String() != "i" || old["m"].Map()["k"].Number() != "2" || old["em"].Map() == nil {
		t.Fatalf("old image %v", old)
	}
	b, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{got}})
	must(t, err)
	var back lambdaevents.DynamoDBEvent
	must(t, json.Unmarshal(b, &back))
	if back.Records[0].Change.OldImage["m"].Map()["k"].Number() != "2" {
		t.Fatalf("JSON round trip lost data: %s", b)
	}
	if _, err := eventsource.DynamoDBRecord(streamtypes.Record{EventID: aws.String("e2")}, "arn"); err == nil {
		t.Fatal("a record without its dynamodb section converted")
	}
}

func TestSQSRecordKeepsEveryAttribute(t *testing.T) {
	msg := sqstypes.Message{
		MessageId: aws.String("m1"), ReceiptHandle: aws.String("rh"), Body: aws.String("hello"),
		MD5OfBody: aws.String("5d41402abc4b2a76b9719d911017c592"), MD5OfMessageAttributes: aws.String("md5attrs"),
		Attributes: map[string]string{"ApproximateReceiveCount": "3", "MessageGroupId": "g", "AWSTraceHeader": "Root=1"},
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"bin": {DataType: aws.String("Binary"), BinaryValue: []byte{7}},
			"str": {DataType: aws.String("String"), StringValue: aws.String("v")},
		},
	}
	got := eventsource.SQSRecord(msg, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
	if got.MessageId != "m1" || got.ReceiptHandle != "rh" || got.Body != "hello" || got.Md5OfMessageAttributes != "md5attrs" ||
		got.Attributes["ApproximateReceiveCount"] != "3" || got.Attributes["AWSTraceHeader"] != "Root=1" ||
		got.EventSource != "aws:sqs" || got.EventSourceARN != "arn:aws:sqs:us-east-1:123456789012:q" || got.AWSRegion != "us-east-1" {
		t.Fatalf("record %+v", got)
	}
	if a := got.MessageAttributes["bin"]; a.DataType != "Binary" || a.BinaryValue[0] != 7 || a.StringValue != nil {
		t.Fatalf("binary attribute %+v", a)
	}
	b, err := json.Marshal(got)
	must(t, err)
	var raw map[string]any
	must(t, json.Unmarshal(b, &raw))
	str := raw["messageAttributes"].(map[string]any)["str"].(map[string]any)
	if str["stringValue"] != "v" || str["dataType"] != "String" || str["stringListValues"] == nil || str["binaryListValues"] == nil {
		t.Fatalf("attribute JSON %v (Lambda sends the list fields as arrays)", str)
	}
}

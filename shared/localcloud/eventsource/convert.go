package eventsource

import (
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// DynamoDBRecord converts a record read with GetRecords into the record Lambda hands a function:
// the stream's fields as they are, the stream ARN as eventSourceARN, and
// ApproximateCreationDateTime in epoch seconds, rounded down as DynamoDB Streams documents it.
func DynamoDBRecord(rec streamtypes.Record, streamARN string) (lambdaevents.DynamoDBEventRecord, error) {
	out := lambdaevents.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(rec.AwsRegion),
		EventID:        aws.ToString(rec.EventID),
		EventName:      string(rec.EventName),
		EventSource:    aws.ToString(rec.EventSource),
		EventVersion:   aws.ToString(rec.EventVersion),
		EventSourceArn: streamARN,
	}
	if out.EventSource == "" {
		out.EventSource = "aws:dynamodb"
	}
	if rec.UserIdentity != nil {
		out.UserIdentity = &lambdaevents.DynamoDBUserIdentity{
			Type:        aws.ToString(rec.UserIdentity.Type),
			PrincipalID: aws.ToString(rec.UserIdentity.PrincipalId),
		}
	}
	if rec.Dynamodb == nil {
		return out, fmt.Errorf("stream record %s has no dynamodb section", out.EventID)
	}
	d := rec.Dynamodb
	var err error
	if out.Change.Keys, err = DynamoDBImage(d.Keys); err != nil {
		return out, fmt.Errorf("stream record %s keys: %w", out.EventID, err)
	}
	if out.Change.NewImage, err = DynamoDBImage(d.NewImage); err != nil {
		return out, fmt.Errorf("stream record %s new image: %w", out.EventID, err)
	}
	if out.Change.OldImage, err = DynamoDBImage(d.OldImage); err != nil {
		return out, fmt.Errorf("stream record %s old image: %w", out.EventID, err)
	}
	out.Change.SequenceNumber = aws.ToString(d.SequenceNumber)
	out.Change.SizeBytes = aws.ToInt64(d.SizeBytes)
	out.Change.StreamViewType = string(d.StreamViewType)
	if d.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = lambdaevents.SecondsEpochTime{
			Time: d.ApproximateCreationDateTime.UTC().Truncate(time.Second),
		}
	}
	return out, nil
}

// DynamoDBImage converts a stream image to the attribute values of aws-lambda-go. A nil image
// stays nil, so absent images are absent in the event JSON as they are on AWS.
func DynamoDBImage(image map[string]streamtypes.AttributeValue) (map[string]lambdaevents.DynamoDBAttributeValue, error) {
	if image == nil {
		return nil, nil
	}
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(image))
	for name, av := range image {
		v, err := lambdaAttribute(av)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func lambdaAttribute(av streamtypes.AttributeValue) (lambdaevents.DynamoDBAttributeValue, error) {
	switch v := av.(type) {
	case *streamtypes.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNULL:
		return lambdaevents.NewNullAttribute(), nil
	case *streamtypes.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberL:
		list := make([]lambdaevents.DynamoDBAttributeValue, len(v.Value))
		for i, item := range v.Value {
			converted, err := lambdaAttribute(item)
			if err != nil {
				return lambdaevents.DynamoDBAttributeValue{}, fmt.Errorf("[%d]: %w", i, err)
			}
			list[i] = converted
		}
		return lambdaevents.NewListAttribute(list), nil
	case *streamtypes.AttributeValueMemberM:
		m, err := DynamoDBImage(v.Value)
		if err != nil {
			return lambdaevents.DynamoDBAttributeValue{}, err
		}
		if m == nil {
			m = map[string]lambdaevents.DynamoDBAttributeValue{}
		}
		return lambdaevents.NewMapAttribute(m), nil
	default:
		return lambdaevents.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", av)
	}
}

// SQSRecord converts a received message into the record Lambda hands a function. Every system
// attribute SQS returned is passed through (ApproximateReceiveCount, SentTimestamp, SenderId,
// ApproximateFirstReceiveTimestamp and, for FIFO queues, MessageGroupId, MessageDeduplicationId
// and SequenceNumber).
func SQSRecord(msg sqstypes.Message, queueARN, region string) lambdaevents.SQSMessage {
	attrs := make(map[string]string, len(msg.Attributes))
	for k, v := range msg.Attributes {
		attrs[k] = v
	}
	msgAttrs := make(map[string]lambdaevents.SQSMessageAttribute, len(msg.MessageAttributes))
	for name, a := range msg.MessageAttributes {
		attr := lambdaevents.SQSMessageAttribute{
			StringValue:      a.StringValue,
			BinaryValue:      a.BinaryValue,
			StringListValues: a.StringListValues,
			BinaryListValues: a.BinaryListValues,
			DataType:         aws.ToString(a.DataType),
		}
		// Lambda always sends the list fields as arrays.
		if attr.StringListValues == nil {
			attr.StringListValues = []string{}
		}
		if attr.BinaryListValues == nil {
			attr.BinaryListValues = [][]byte{}
		}
		msgAttrs[name] = attr
	}
	return lambdaevents.SQSMessage{
		MessageId:              aws.ToString(msg.MessageId),
		ReceiptHandle:          aws.ToString(msg.ReceiptHandle),
		Body:                   aws.ToString(msg.Body),
		Md5OfBody:              aws.ToString(msg.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(msg.MD5OfMessageAttributes),
		Attributes:             attrs,
		MessageAttributes:      msgAttrs,
		EventSourceARN:         queueARN,
		EventSource:            "aws:sqs",
		AWSRegion:              region,
	}
}

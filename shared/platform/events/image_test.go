package events_test

import (
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/events"
)

func sampleImage() events.StreamImage {
	return events.StreamImage{
		"pk":      lambdaevents.NewStringAttribute("LOAN#1"),
		"version": lambdaevents.NewNumberAttribute("3"),
		"active":  lambdaevents.NewBooleanAttribute(true),
		"blob":    lambdaevents.NewBinaryAttribute([]byte{1, 2}),
		"none":    lambdaevents.NewNullAttribute(),
		"tags":    lambdaevents.NewStringSetAttribute([]string{"b", "a"}),
		"nums":    lambdaevents.NewNumberSetAttribute([]string{"1", "2"}),
		"bins":    lambdaevents.NewBinarySetAttribute([][]byte{{1}, {2}}),
		"list":    lambdaevents.NewListAttribute([]lambdaevents.DynamoDBAttributeValue{lambdaevents.NewStringAttribute("x")}),
		"nested": lambdaevents.NewMapAttribute(map[string]lambdaevents.DynamoDBAttributeValue{
			"amount": lambdaevents.NewNumberAttribute("1500.00"),
		}),
	}
}

func TestUnmarshalImage(t *testing.T) {
	var v struct {
		PK      string   `dynamodbav:"pk"`
		Version int      `dynamodbav:"version"`
		Active  bool     `dynamodbav:"active"`
		Blob    []byte   `dynamodbav:"blob"`
		Tags    []string `dynamodbav:"tags,stringset"`
		List    []string `dynamodbav:"list"`
		Nested  struct {
			Amount string `dynamodbav:"amount"`
		} `dynamodbav:"nested"`
	}
	must(t, events.UnmarshalImage(sampleImage(), &v))
	if v.PK != "LOAN#1" || v.Version != 3 || !v.Active || len(v.Blob) != 2 || len(v.Tags) != 2 ||
		v.List[0] != "x" || v.Nested.Amount != "1500.00" {
		t.Fatalf("unmarshalled %+v", v)
	}
	avs, err := events.ToAttributeValues(sampleImage())
	must(t, err)
	if len(avs) != len(sampleImage()) {
		t.Fatalf("converted %d of %d attributes", len(avs), len(sampleImage()))
	}
}

func TestAttrAccessorsNeverPanic(t *testing.T) {
	img := sampleImage()
	if v, ok := events.StringAttr(img, "pk"); !ok || v != "LOAN#1" {
		t.Fatal("pk")
	}
	if _, ok := events.StringAttr(img, "version"); ok {
		t.Fatal("a number read as a string")
	}
	if _, ok := events.StringAttr(nil, "pk"); ok {
		t.Fatal("nil image")
	}
	if v, ok := events.NumberAttr(img, "version"); !ok || v != "3" {
		t.Fatal("version")
	}
	if _, ok := events.NumberAttr(img, "pk"); ok {
		t.Fatal("a string read as a number")
	}
}

func TestImageAndImagesEqual(t *testing.T) {
	a, b := sampleImage(), sampleImage()
	b["tags"] = lambdaevents.NewStringSetAttribute([]string{"a", "b"}) // sets are unordered
	b["bins"] = lambdaevents.NewBinarySetAttribute([][]byte{{2}, {1}})
	rec := lambdaevents.DynamoDBEventRecord{EventName: "MODIFY", Change: lambdaevents.DynamoDBStreamRecord{OldImage: a, NewImage: b}}
	if !events.ImagesEqual(rec) {
		t.Fatal("equal images reported different")
	}
	if events.Image(rec)["pk"].String() != "LOAN#1" {
		t.Fatal("Image of MODIFY is not the new image")
	}
	changes := map[string]lambdaevents.DynamoDBAttributeValue{
		"version": lambdaevents.NewNumberAttribute("4"),
		"pk":      lambdaevents.NewNumberAttribute("1"),
		"active":  lambdaevents.NewBooleanAttribute(false),
		"blob":    lambdaevents.NewBinaryAttribute([]byte{9}),
		"tags":    lambdaevents.NewStringSetAttribute([]string{"a", "c"}),
		"nums":    lambdaevents.NewNumberSetAttribute([]string{"1"}),
		"list":    lambdaevents.NewListAttribute(nil),
		"nested":  lambdaevents.NewMapAttribute(map[string]lambdaevents.DynamoDBAttributeValue{}),
	}
	for name, v := range changes {
		c := sampleImage()
		c[name] = v
		r := lambdaevents.DynamoDBEventRecord{Change: lambdaevents.DynamoDBStreamRecord{OldImage: a, NewImage: c}}
		if events.ImagesEqual(r) {
			t.Errorf("change of %s not seen", name)
		}
	}
	c := sampleImage()
	delete(c, "none")
	c["other"] = lambdaevents.NewNullAttribute()
	if events.ImagesEqual(lambdaevents.DynamoDBEventRecord{Change: lambdaevents.DynamoDBStreamRecord{OldImage: a, NewImage: c}}) {
		t.Error("renamed attribute not seen")
	}
	remove := lambdaevents.DynamoDBEventRecord{EventName: "REMOVE", Change: lambdaevents.DynamoDBStreamRecord{OldImage: a}}
	if events.Image(remove)["pk"].String() != "LOAN#1" {
		t.Fatal("Image of REMOVE is not the old image")
	}
}

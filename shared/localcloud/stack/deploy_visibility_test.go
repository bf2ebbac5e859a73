package stack

import (
	"context"
	"strings"
	"testing"

	"holdfast/shared/localcloud/emulator/emulatortest"
)

// Lambda refuses an SQS mapping whose queue hides a message for less time than the function may
// run (the batch would come back while still being handled); so does the local cloud.
func TestDeployRefusesAVisibilityTimeoutShorterThanTheFunction(t *testing.T) {
	tpl := func(visibility string) *Template {
		t.Helper()
		x, err := Parse([]byte(`
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: vis-` + visibility + `
      VisibilityTimeout: ` + visibility + `
  F:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/f
      Timeout: 20
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Q.Arn
`))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cfg := emulatortest.Config(t)
	_, err := Deploy(context.Background(), tpl("10"), NewClients(cfg), nil, pseudo())
	if err == nil || !strings.Contains(err.Error(), "visibility timeout 10 s is less than the function timeout 20s") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Deploy(context.Background(), tpl("20"), NewClients(cfg), nil, pseudo()); err != nil {
		t.Fatalf("equal timeouts: %v", err)
	}
}

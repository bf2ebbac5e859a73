#!/usr/bin/env bash
# LocalStack ready hook: check that every service Holdfast's template needs answers, then
# mark the container healthy. Resources themselves come from template.yaml via `holdfast local`,
# never from a second definition here.
set -euo pipefail
for svc in dynamodb sqs events secretsmanager; do
  for _ in $(seq 1 30); do
    if awslocal "$svc" help >/dev/null 2>&1 && case $svc in
        dynamodb) awslocal dynamodb list-tables >/dev/null ;;
        sqs) awslocal sqs list-queues >/dev/null ;;
        events) awslocal events list-event-buses >/dev/null ;;
        secretsmanager) awslocal secretsmanager list-secrets >/dev/null ;;
      esac; then
      echo "holdfast: $svc ready"; break
    fi
    sleep 1
  done
done
touch /tmp/holdfast-ready

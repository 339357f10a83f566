#!/usr/bin/env bash
# The README's `firebreak serve` walk-through, end to end on loopback: the sandbox cloud, serve
# following its CloudTrail stream, an attacker stopping the trail with the AWS CLI, and what
# serve did about it (detection, automatic re-enable, notification, evidence), with timings.
# Run from the repository root after scripts/demo.sh has built build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
FB=${FIREBREAK:-build/release/apps/firebreak/firebreak}
[ -x "$FB" ] || { echo "build first: scripts/demo.sh (or set FIREBREAK=)"; exit 2; }
WORK=$(mktemp -d /tmp/fb-serve-demo.XXXXXX)
trap 'kill $SERVE $SANDBOX 2>/dev/null || true; wait 2>/dev/null || true' EXIT
cd "$WORK"
export AWS_ACCESS_KEY_ID=AKIAEXAMPLEALICE0001 AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export FIREBREAK_TOKEN=$(openssl rand -hex 24)
REPO=$OLDPWD
SB=http://127.0.0.1:4566

"$REPO/$FB" sandbox --world "$REPO/examples/worlds/single-account.yaml" --data sandbox --port 4566 \
    --port-file sandbox.port -q & SANDBOX=$!
until [ -s sandbox.port ]; do sleep 0.05; done
"$REPO/$FB" serve --config "$REPO/examples/serve.yaml" --endpoint-url $SB --port-file serve.port \
    2> serve.log & SERVE=$!
until [ -s serve.port ]; do sleep 0.05; done
API=http://127.0.0.1:$(cat serve.port)
api() { curl -sf -H "Authorization: Bearer $FIREBREAK_TOKEN" "$API$1"; }

echo "== the attacker stops the trail (aws cloudtrail stop-logging)"
aws --endpoint-url $SB cloudtrail get-trail-status --name management-events --query IsLogging
T0=$(date +%s.%N)
aws --endpoint-url $SB cloudtrail stop-logging --name management-events
T1=$(date +%s.%N)
# Poll the trail every 20 ms (boto3: the AWS CLI alone takes about a second per call).
python3 - "$SB" <<'PY'
import sys, time, boto3
ct = boto3.client("cloudtrail", endpoint_url=sys.argv[1])
while not ct.get_trail_status(Name="management-events")["IsLogging"]:
    time.sleep(0.02)
PY
T2=$(date +%s.%N)
printf 'aws cloudtrail stop-logging took %.2f s (CLI start-up included); the trail was logging again %.2f s after it returned\n' \
    "$(echo "$T1 - $T0" | bc)" "$(echo "$T2 - $T1" | bc)"

echo; echo "== the finding (GET /v1/findings?rule=cloudtrail-logging-stopped)"
until api "/v1/findings?rule=cloudtrail-logging-stopped" | jq -e '.count > 0' >/dev/null; do sleep 0.1; done
FINDING=$(api "/v1/findings?rule=cloudtrail-logging-stopped" | jq -r '.findings[0].id')
until api "/v1/findings/$FINDING" | jq -e '[.links[] | select(.kind == "run")] | length >= 2' >/dev/null; do sleep 0.1; done
api "/v1/findings/$FINDING" | jq -c '{id, rule_id, severity, status, principal, first_seen, count}'
api "/v1/findings/$FINDING" | jq -r '.links[] | "  linked \(.kind): \(.ref)"'

echo; echo "== the automatic response (GET /v1/runs/<id>)"
RUN=$(api "/v1/runs" | jq -r '[.runs[] | select(.finding == "'"$FINDING"'" and .apply)][0].id')
api "/v1/runs/$RUN" | jq -r '"\(.id) \(.playbook) \(.status), case \(.case)", (.steps[] | "  \(.status)\t\(.key)  \(.action)")'

echo; echo "== the notification (firebreak-state/serve/notifications.jsonl)"
tail -n 1 firebreak-state/serve/notifications.jsonl | jq -r '.subject, .text'

echo; echo "== the evidence (GET /v1/evidence?case=..., POST /v1/evidence/verify)"
CASE=$(api "/v1/runs/$RUN" | jq -r .case)
until curl -sf -X POST -d "" -H "Authorization: Bearer $FIREBREAK_TOKEN" "$API/v1/evidence/verify" >/dev/null; do
  sleep 0.2   # the digest over the run's evidence is written within a second
done
api "/v1/evidence?case=$CASE" | jq -r '.entries[] | "\(.seq)  \(.kind)  \(.sha256[0:16])…  \(.name)"'
curl -sf -X POST -d "" -H "Authorization: Bearer $FIREBREAK_TOKEN" "$API/v1/evidence/verify" |
  jq -c '{ok, digests, entries, objects}'

echo; echo "== timings (GET /metrics)"
api /metrics | awk '
  /^firebreak_ingest_to_finding_seconds_(sum|count)/ { itf[$1] = $2 }
  /^firebreak_finding_to_response_seconds_(sum|count)/ { ftr[$1] = $2 }
  /^firebreak_events_total|^firebreak_securityhub_imported_total/ { print }
  END {
    printf "ingest to finding: %.1f ms on average over %d findings\n", 1000 * itf["firebreak_ingest_to_finding_seconds_sum"] / itf["firebreak_ingest_to_finding_seconds_count"], itf["firebreak_ingest_to_finding_seconds_count"]
    printf "finding stored to response settled (plan and apply): %.0f ms\n", 1000 * ftr["firebreak_finding_to_response_seconds_sum"] / ftr["firebreak_finding_to_response_seconds_count"]
  }'
echo; echo "serve's log: $WORK/serve.log"

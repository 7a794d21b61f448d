#!/bin/bash
# importGroup of a 5,000-repository organization (github-sim --repos 5000, owner
# token): the time the API takes to answer, on SQLite, with the embedded worker.
# Usage: cargo build --release -p tributary && BIN=target/release/tributary bench/import_group_5000.sh
# (issue 18; BENCHMARKS.md keeps the figures).
set -e
BIN=${BIN:-target/release/tributary}
DIR=$(mktemp -d)
$BIN github-sim --listen 127.0.0.1:9391 --repos 5000 > $DIR/sim.log 2>&1 &
SIM=$!
sleep 3
OWNER=$(curl -s 127.0.0.1:9391/_sim/tokens | python3 -c 'import json,sys; t=json.load(sys.stdin); print(next(x["token"] for x in (t if isinstance(t,list) else t["tokens"]) if x["name"]=="owner"))')
TRIBUTARY_DATABASE_URL=sqlite://$DIR/t.db TRIBUTARY_LISTEN=127.0.0.1:9392 TRIBUTARY_API_KEY=k TRIBUTARY_GITHUB_API_URL=http://127.0.0.1:9391 TRIBUTARY_GITHUB_WEB_URL=http://127.0.0.1:9391 $BIN serve > $DIR/serve.log 2>&1 &
API=$!
sleep 4
q() { curl -s -H 'Authorization: Bearer k' -H 'content-type: application/json' 127.0.0.1:9392/graphql -d "$1"; }
CREATED=$(q "{\"query\":\"mutation(\$t: String!) { createIntegration(input: {name: \\\"big\\\", token: \$t}) { integration { id groups { id login repositories(first: 1) { totalCount } } } } }\",\"variables\":{\"t\":\"$OWNER\"}}")
GROUP=$(echo "$CREATED" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]["createIntegration"]["integration"]; g=max(d["groups"], key=lambda g: g["repositories"]["totalCount"]); print(g["id"], g["login"], g["repositories"]["totalCount"], file=sys.stderr); print(g["id"])')
START=$(date +%s.%N)
ANSWER=$(q "{\"query\":\"mutation(\$g: ID!) { importGroup(input: {groupId: \$g}) { importRuns { id } userErrors { code } } }\",\"variables\":{\"g\":\"$GROUP\"}}")
END=$(date +%s.%N)
echo "$ANSWER" | python3 -c 'import json,sys; d=json.load(sys.stdin); p=d.get("data",{}).get("importGroup") or d; print("runs:", len(p.get("importRuns") or []), "errors:", p.get("userErrors", d.get("errors")))'
python3 -c "print('importGroup answered in %.3f s' % ($END - $START))"
kill $API $SIM; wait 2>/dev/null; rm -rf $DIR

#!/usr/bin/env bash
# `make demo`: start the bundled emulator, validate specs/, plan, apply, plan again (clean),
# change a workspace by hand and catch it with drift, re-apply, and stop the emulator
# cleanly, whatever happens on the way.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=$(mktemp -d -t reconciler-demo.XXXXXX)
info="$workdir/emulator.json"
reconciler emulator serve --port 0 --state-dir "$workdir" --info-file "$info" \
  >"$workdir/emulator.log" 2>&1 &
emulator_pid=$!
stop_emulator() {
  kill -TERM "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap stop_emulator EXIT

# Wait until the emulator has bound its port and written its address (or died trying).
for _ in $(seq 1 100); do
  [ -s "$info" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$workdir/emulator.log"; exit 1; }
  sleep 0.1
done
[ -s "$info" ] || { echo "the emulator did not start"; cat "$workdir/emulator.log"; exit 1; }

export SEAMLESS_API_URL SEAMLESS_CA_BUNDLE SEAMLESS_TENANT=contoso
SEAMLESS_API_URL=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$info")
SEAMLESS_CA_BUNDLE=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_bundle"])' "$info")
SEAMLESS_TOKEN=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenants"]["contoso"])' "$info")
export SEAMLESS_TOKEN

echo "== Emulator: Seamless API on $SEAMLESS_API_URL (CA bundle $SEAMLESS_CA_BUNDLE)"
echo
echo "== reconciler validate specs/"
reconciler validate specs/
echo
# A scratch copy: the state file (.reconciler/state.json) lands beside the specs.
cp -r specs "$workdir/specs"
export SEAMLESS_STATE="$workdir/specs/.reconciler/state.json"

echo "== reconciler plan specs/   (what would change, and the exact API calls)"
reconciler plan "$workdir/specs"
echo
echo "== reconciler apply specs/ --auto-approve"
reconciler apply "$workdir/specs" --auto-approve
echo
echo "== reconciler plan specs/ --detailed-exitcode   (after one apply: nothing left to do)"
reconciler plan "$workdir/specs" --detailed-exitcode
echo
echo "== The state file records the ids the service generated:"
cat "$SEAMLESS_STATE"
echo
echo "== A hand change through the API: someone adds anita@xyz.com to Members of contoso/example"
python - <<'PY'
import os, requests
answer = requests.put(
    f"{os.environ['SEAMLESS_API_URL']}/contoso/workspaces/example/team",
    json={"Added": [{"Group": "Members", "Members": ["anita@xyz.com"]}]},
    headers={"Authorization": f"Basic {os.environ['SEAMLESS_TOKEN']}"},
    verify=os.environ["SEAMLESS_CA_BUNDLE"], timeout=30,
)
answer.raise_for_status()
PY
echo
echo "== reconciler drift specs/   (the nightly check: exit 2, drift found)"
status=0
reconciler drift "$workdir/specs" || status=$?
[ "$status" -eq 2 ] || { echo "drift should have exited 2, not $status"; exit 1; }
echo "(exit $status)"
echo
echo "== reconciler apply specs/ --auto-approve, then drift again (exit 0: in sync)"
reconciler apply "$workdir/specs" --auto-approve
reconciler drift "$workdir/specs"
echo
echo "Next: README.md explains the spec format, plan and apply, the emulator (fixture,"
echo "faults, control path) and the client. Start the emulator yourself with: make emulator,"
echo "then: reconciler plan specs/ --format markdown  (for a pull request comment)"
echo "and: reconciler drift specs/ --format markdown  (for the nightly job's issue comment)"

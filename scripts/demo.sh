#!/usr/bin/env bash
# `make demo`: start the bundled emulator, validate specs/, show real calls through the client,
# and stop the emulator cleanly, whatever happens on the way.
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
echo "== A few real calls through the client, over HTTPS"
python - <<'PY'
from reconciler.api import SeamlessClient
from reconciler.settings import ConnectionSettings

with SeamlessClient(ConnectionSettings.from_env()) as client:
    units = client.list_organization_units()
    print("organization units:", ", ".join(f"{u.name} ({u.short_name})" for u in units))
    types = client.list_available_workspace_types(units[0].id)
    for t in types:
        state = "active" if t.is_active else "inactive"
        print(f"  type {t.name:16} {t.provisioning_type:10} id generator {t.generator.name:15}"
              f" {state}")
    workspace = client.get_workspace("example")
    assert workspace is not None
    print(f"workspace {workspace.workspace_id}: {workspace.name!r}, stage {workspace.stage},"
          f" manager {workspace.manager.email}")
    for group in client.get_team("example"):
        print(f"  {group.raw_name:26} {', '.join(group.members) or '-'}")
    print("missing workspace pr.99 exists?", client.get_workspace("pr.99") is not None)
PY
echo
echo "Next: README.md explains the spec format, the emulator (fixture, faults, control path)"
echo "and the client. Start the emulator yourself with: make emulator"

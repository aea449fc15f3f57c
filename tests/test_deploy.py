"""The deployment files in ``deploy/`` against the code they run.

Nothing here builds an image or starts a container: the checks are that every YAML file
parses, every ``newsieve ...`` command line in the Dockerfile, compose file, Kubernetes
manifests, systemd units and deploy README parses with the real CLI parser, every
``NEWSIEVE_*`` variable is a real setting (and its value validates), the example site
configs load with the crawler's loader, the probe paths exist in the API, and the stop
timeouts leave the daemon its grace period.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML: installed with the test extra (schemathesis depends on it)

from newsieve.cli import build_parser
from newsieve.crawler.sites import load_sites, parse_sites
from newsieve.exceptions import ConfigError
from newsieve.settings import Settings, load_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
K8S_FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))
UNIT_FILES = sorted((DEPLOY / "systemd").glob("*.service"))
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
README = DEPLOY / "README.md"
SITES_EXAMPLE = DEPLOY / "sites.example.toml"
TEXT_FILES = sorted(p for p in DEPLOY.rglob("*") if p.is_file())
NEWSIEVE_IMAGE = re.compile(r"(^|/)newsieve(:[\w.-]+)?(@sha256:\w+)?$")
EXTRA_ENV = {"NEWSIEVE_CONFIG"}  # read by settings.py itself, not a field


def _rel(path: Path) -> str:
    return str(path.relative_to(DEPLOY.parent))


def test_deploy_files_exist() -> None:
    for path in (DOCKERFILE, COMPOSE, README, SITES_EXAMPLE):
        assert path.is_file(), f"missing {_rel(path)}"
    assert K8S_FILES, "no Kubernetes manifests in deploy/k8s"
    names = {p.name for p in UNIT_FILES}
    assert {"newsieve.service", "newsieve-api.service", "newsieve-filter-worker@.service"} <= names


# -- YAML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", YAML_FILES, ids=_rel)
def test_yaml_parses(path: Path) -> None:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except yaml.YAMLError as exc:
        pytest.fail(f"{_rel(path)}: {exc}")
    assert docs, f"{_rel(path)}: no YAML document"
    for doc in docs:
        assert isinstance(doc, dict), f"{_rel(path)}: a document is not a mapping"


@pytest.mark.parametrize("path", K8S_FILES, ids=_rel)
def test_k8s_manifests_are_well_formed_and_namespace_free(path: Path) -> None:
    for doc in _docs(path):
        where = f"{_rel(path)}: {doc.get('kind')}"
        assert doc.get("apiVersion") and doc.get("kind"), f"{where}: apiVersion and kind are required"
        if doc["kind"] == "Kustomization":
            continue
        meta = doc.get("metadata") or {}
        assert meta.get("name"), f"{where}: metadata.name is required"
        assert "namespace" not in meta, f"{where}: manifests must not pin a namespace"
        if doc["kind"] == "ConfigMap":
            for key, value in (doc.get("data") or {}).items():
                assert isinstance(value, str), f"{where}: data.{key} must be a string, not {value!r}"
        if doc["kind"] in ("Deployment", "StatefulSet"):
            selector = doc["spec"]["selector"]["matchLabels"]
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= labels.items(), f"{where}: selector does not match the pod labels"


def test_kustomization_resources_exist() -> None:
    path = DEPLOY / "k8s" / "kustomization.yaml"
    if not path.exists():
        pytest.skip("no kustomization")
    (doc,) = _docs(path)
    for resource in doc.get("resources", []):
        assert (path.parent / resource).is_file(), f"{_rel(path)}: resource {resource} does not exist"


# -- command lines ------------------------------------------------------------------------------


@dataclass
class CommandLine:
    where: str  # file:line
    argv: list[str]  # the arguments after `newsieve`


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 0


def _mapping(node: Any) -> dict[str, Any]:
    """A YAML mapping node's keys -> value nodes, with merge keys (``<<``) resolved."""
    merged: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for key, value in node.value:
        if key.value == "<<":
            for source in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                merged.update(_mapping(source))
        else:
            own[key.value] = value
    return {**merged, **own}


def _scalars(node: Any) -> list[str] | None:
    if isinstance(node, yaml.ScalarNode):
        return shlex.split(node.value)
    if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.ScalarNode) for n in node.value):
        return [n.value for n in node.value]
    return None


def _walk(node: Any, seen: set[int]) -> Iterator[Any]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(key, seen)
            yield from _walk(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, seen)


def _yaml_commands(path: Path) -> Iterator[CommandLine]:
    """Containers of the newsieve image: compose ``command`` or Kubernetes ``args`` (the image's
    entrypoint is ``newsieve``); a Kubernetes ``command`` must then be the entrypoint itself."""
    for root in yaml.compose_all(path.read_text(encoding="utf-8")):
        for node in _walk(root, set()):
            if not isinstance(node, yaml.MappingNode):
                continue
            items = _mapping(node)
            image = items.get("image")
            if not (isinstance(image, yaml.ScalarNode) and NEWSIEVE_IMAGE.search(image.value)):
                continue
            is_k8s = "compose" not in path.name
            args_node = items.get("args") if is_k8s else items.get("command")
            if is_k8s and "command" in items:
                command = _scalars(items["command"]) or [""]
                line = items["command"].start_mark.line + 1
                if not (command[0] == "newsieve" or command[0].endswith("/newsieve")):
                    pytest.fail(f"{_rel(path)}:{line}: container command {command} is not newsieve")
                if args_node is None:
                    yield CommandLine(f"{_rel(path)}:{line}", command[1:])
                    continue
            if args_node is None:
                continue
            argv = _scalars(args_node)
            line = args_node.start_mark.line + 1
            assert argv is not None, f"{_rel(path)}:{line}: command must be a string or a list of strings"
            yield CommandLine(f"{_rel(path)}:{line}", argv)


def _dockerfile_commands() -> Iterator[CommandLine]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*(ENTRYPOINT|CMD)\s+(\[.*\])\s*$", line)
        if match:
            instructions[match.group(1)] = (number, json.loads(match.group(2)))
    assert "ENTRYPOINT" in instructions, "deploy/Dockerfile: no exec-form ENTRYPOINT"
    line, entrypoint = instructions["ENTRYPOINT"]
    assert entrypoint == ["newsieve"], f"deploy/Dockerfile:{line}: ENTRYPOINT must be ['newsieve']"
    if "CMD" in instructions:
        line, cmd = instructions["CMD"]
        yield CommandLine(f"deploy/Dockerfile:{line}", cmd)


def _unit_lines(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """(line number, section, key, value) of a systemd unit, continuation lines joined."""
    section = ""
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pending:
            start, text = pending
            raw = text + raw.strip()
            number = start
            pending = None
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending = (number, line[:-1] + " ")
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{_rel(path)}:{number}: not a key=value line: {line!r}"
        yield number, section, key.strip(), value.strip()


def _unit(path: Path) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for _, section, key, value in _unit_lines(path):
        out.setdefault(section, {}).setdefault(key, []).append(value)
    return out


def _systemd_commands(path: Path) -> Iterator[CommandLine]:
    for number, _, key, value in _unit_lines(path):
        if not key.startswith("Exec"):
            continue
        argv = shlex.split(value.lstrip("-@:+!"))
        if argv and (argv[0] == "newsieve" or argv[0].endswith("/newsieve")):
            yield CommandLine(f"{_rel(path)}:{number}", argv[1:])


def _readme_commands() -> Iterator[CommandLine]:
    """Command lines in fenced code blocks of deploy/README.md: ``newsieve ...``,
    ``.../bin/newsieve ...`` and ``docker compose ... run --rm <service> ...`` (the image's
    entrypoint is ``newsieve``)."""
    fenced = False
    joined, start = "", 0
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            continue
        if not joined:
            start = number
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        joined, text = "", joined + line
        try:
            words = shlex.split(text, comments=True)
        except ValueError as exc:
            pytest.fail(f"deploy/README.md:{start}: cannot split {text!r}: {exc}")
        argv = None
        if words[:1] == ["newsieve"]:
            argv = words[1:]
        elif words[:2] == ["docker", "compose"] and "run" in words:
            rest = words[words.index("run") + 1 :]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            argv = rest[1:]  # after the service name
        else:
            for i, word in enumerate(words):
                if word.endswith("/bin/newsieve"):
                    argv = words[i + 1 :]
                    break
        if argv is None:
            continue
        for stop in ("|", "&&", ";", ">", "&"):
            if stop in argv:
                argv = argv[: argv.index(stop)]
        yield CommandLine(f"deploy/README.md:{start}", argv)


def _all_commands() -> list[CommandLine]:
    found = list(_dockerfile_commands())
    for path in YAML_FILES:
        found.extend(_yaml_commands(path))
    for path in UNIT_FILES:
        found.extend(_systemd_commands(path))
    if README.exists():
        found.extend(_readme_commands())
    return found


def test_command_lines_are_found_in_every_kind_of_file() -> None:
    where = {c.where.split(":")[0] for c in _all_commands()}
    assert "deploy/Dockerfile" in where
    assert "deploy/compose.yaml" in where
    assert any(w.startswith("deploy/k8s/") for w in where), where
    assert {"deploy/systemd/newsieve.service", "deploy/systemd/newsieve-filter-worker@.service"} <= where


def test_every_command_line_parses_with_the_real_cli() -> None:
    parser = build_parser()
    errors = []
    for command in _all_commands():
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                args = parser.parse_args(command.argv)
        except SystemExit:
            message = stderr.getvalue().strip().splitlines()[-1:] or ["--help or --version"]
            errors.append(f"{command.where}: newsieve {shlex.join(command.argv)}: {message[0]}")
            continue
        if not getattr(args, "func", None):
            errors.append(f"{command.where}: newsieve {shlex.join(command.argv)}: no subcommand")
    assert not errors, "\n".join(errors)


def test_the_deployed_roles_are_the_documented_ones() -> None:
    """Crawlers leave filtering to the filter workers wherever those are deployed beside them."""
    for path in (COMPOSE, *K8S_FILES):
        commands = [c.argv for c in _yaml_commands(path)]
        runs = [argv for argv in commands if argv[:1] == ["run"]]
        for argv in runs:
            assert "--no-filter-worker" in argv, f"{_rel(path)}: crawler {argv} also filters"
    compose_roles = {c.argv[0] for c in _yaml_commands(COMPOSE)}
    assert {"run", "filter-worker", "serve"} <= compose_roles
    k8s_roles = {c.argv[0] for path in K8S_FILES for c in _yaml_commands(path)}
    assert {"run", "filter-worker", "serve"} <= k8s_roles


# -- settings -----------------------------------------------------------------------------------


def _known_env() -> set[str]:
    names = {f"NEWSIEVE_{name.upper()}" for name in Settings.model_fields}
    return names | EXTRA_ENV


def test_every_newsieve_variable_is_a_setting() -> None:
    known = _known_env()
    errors = []
    for path in TEXT_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in re.findall(r"\bNEWSIEVE_[A-Z0-9_]+\b", line):
                if name not in known:
                    errors.append(f"{_rel(path)}:{number}: {name} is not a setting")
    assert not errors, "\n".join(errors)


def _env_sets() -> Iterator[tuple[str, dict[str, str]]]:
    """Each place that sets environment variables, with what it sets."""
    for path in K8S_FILES:
        for doc in _docs(path):
            if doc.get("kind") == "ConfigMap":
                env = {k: v for k, v in (doc.get("data") or {}).items() if re.fullmatch(r"[A-Z_0-9]+", k)}
                if env:
                    yield f"{_rel(path)}: ConfigMap {doc['metadata']['name']}", env
            if doc.get("kind") == "Secret":
                yield f"{_rel(path)}: Secret", dict(doc.get("stringData") or {})
    for name, service in (_docs(COMPOSE)[0].get("services") or {}).items():
        env = service.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        # ${VAR:-default} is compose interpolation: validate the default
        env = {k: re.sub(r"\$\{[A-Z_0-9]+:?-([^}]*)\}", r"\1", str(v)) for k, v in env.items()}
        yield f"deploy/compose.yaml: service {name}", env
    for path in UNIT_FILES:
        env = {}
        for value in _unit(path).get("Service", {}).get("Environment", []):
            for item in shlex.split(value):
                key, _, val = item.partition("=")
                env[key] = val
        yield _rel(path), env


def test_environment_values_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("NEWSIEVE_") or name == "REDIS_URL":
            monkeypatch.delenv(name)
    checked = 0
    for where, env in _env_sets():
        with monkeypatch.context() as m:
            for key, value in env.items():
                m.setenv(key, value)
            try:
                settings = load_settings()
            except ConfigError as exc:
                pytest.fail(f"{where}: settings do not validate: {exc}")
            for key in env:
                field = key.removeprefix("NEWSIEVE_").lower()
                if key.startswith("NEWSIEVE_") and field in Settings.model_fields:
                    assert getattr(settings, field) is not None, f"{where}: {key} gave no value"
        checked += 1
    assert checked >= 3


# -- site configs -------------------------------------------------------------------------------


def test_example_sites_load_with_the_crawler_loader() -> None:
    sites = load_sites(SITES_EXAMPLE)
    assert sites, "deploy/sites.example.toml has no site"


def test_k8s_sites_configmap_loads_with_the_crawler_loader() -> None:
    found = 0
    for path in K8S_FILES:
        for doc in _docs(path):
            if doc.get("kind") != "ConfigMap":
                continue
            for key, value in (doc.get("data") or {}).items():
                if key.endswith(".toml") and "site" in key:
                    try:
                        assert parse_sites(tomllib.loads(value), f"{_rel(path)}:{key}")
                    except (tomllib.TOMLDecodeError, ConfigError) as exc:
                        pytest.fail(f"{_rel(path)}: ConfigMap data {key}: {exc}")
                    found += 1
    assert found, "no sites .toml in any Kubernetes ConfigMap"


def test_compose_mounts_exist() -> None:
    for name, service in (_docs(COMPOSE)[0].get("services") or {}).items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                assert (DEPLOY / source).resolve().exists(), f"compose {name}: {source} does not exist"


# -- API probes ---------------------------------------------------------------------------------


def _api_answers(paths: set[str]) -> dict[str, int]:
    """Status of a GET of each path, asked of the real app in process (no server, no Redis:
    storage opens lazily, so ``/readyz`` answers 503 rather than 404)."""
    import asyncio

    import httpx

    from newsieve.api import create_app

    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0"))

    async def ask() -> dict[str, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            return {path: (await client.get(path)).status_code for path in sorted(paths)}

    return asyncio.run(ask())


def _probe_paths() -> Iterator[tuple[str, str]]:
    local = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(/[\w./-]*)")
    for path in TEXT_FILES:
        if path.suffix == ".md":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for probe in local.findall(line):
                yield f"{_rel(path)}:{number}", probe
    for path in [*K8S_FILES, COMPOSE]:
        text = path.read_text(encoding="utf-8")
        for doc in _docs(path):
            for node in _dicts(doc):
                for key in ("httpGet",):
                    if isinstance(node.get(key), dict) and "path" in node[key]:
                        probe = node[key]["path"]
                        yield f"{_rel(path)}:{_line_of(text, probe)}", probe
                annotations = node.get("annotations")
                if isinstance(annotations, dict) and "prometheus.io/path" in annotations:
                    probe = annotations["prometheus.io/path"]
                    yield f"{_rel(path)}:{_line_of(text, 'prometheus.io/path')}", probe


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dicts(item)


def test_probe_paths_exist_in_the_api() -> None:
    probes = list(_probe_paths())
    named = {p for _, p in probes}
    assert {"/healthz", "/readyz", "/metrics"} <= named, f"probes found: {sorted(named)}"
    status = _api_answers(named)
    assert status.get("/healthz") == 200, status
    assert status.get("/metrics") == 200, status
    missing = [
        f"{where}: GET {probe} -> {status[probe]}" for where, probe in probes if status[probe] in (404, 405)
    ]
    assert not missing, "not routes of the API:\n" + "\n".join(missing)


# -- stopping -----------------------------------------------------------------------------------


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min)?", value.strip())
    assert match, f"cannot read a duration from {value!r}"
    number = float(match.group(1))
    return number * 60 if match.group(2) in ("m", "min") else number


def _grace(env: dict[str, str]) -> float:
    default = Settings.model_fields["shutdown_grace_seconds"].default
    return float(env.get("NEWSIEVE_SHUTDOWN_GRACE_SECONDS", default))


def test_systemd_units() -> None:
    for path in UNIT_FILES:
        service = _unit(path).get("Service", {})
        where = _rel(path)
        assert len(service.get("ExecStart", [])) == 1, f"{where}: needs exactly one ExecStart"
        user = service.get("User", [""])[-1]
        assert user and user != "root", f"{where}: must run as a dedicated user"
        assert service.get("Restart") == ["on-failure"], f"{where}: Restart=on-failure"
        assert service.get("StateDirectory") == ["newsieve"], f"{where}: StateDirectory=newsieve"
        env = dict(v.split("=", 1) for value in service.get("Environment", []) for v in shlex.split(value))
        assert env.get("NEWSIEVE_DATA_DIR") == "/var/lib/newsieve", f"{where}: NEWSIEVE_DATA_DIR"
        assert service.get("KillSignal") == ["SIGTERM"], f"{where}: KillSignal=SIGTERM"
        assert "TimeoutStopSec" in service, f"{where}: TimeoutStopSec"
    daemon = _unit(DEPLOY / "systemd" / "newsieve.service")["Service"]
    env = dict(v.split("=", 1) for value in daemon.get("Environment", []) for v in shlex.split(value))
    # `run` drains for the grace period, then waits as long again for its in-process filter worker
    timeout = _seconds(daemon["TimeoutStopSec"][-1])
    assert timeout > 2 * _grace(env), f"newsieve.service: TimeoutStopSec={timeout} <= 2 x grace period"
    assert "%i" in (DEPLOY / "systemd" / "newsieve-filter-worker@.service").read_text(encoding="utf-8")


def test_crawler_stop_timeouts_cover_the_grace_period() -> None:
    compose = _docs(COMPOSE)[0]["services"]
    env = {k: str(v) for k, v in (compose["crawler"].get("environment") or {}).items()}
    grace = _grace(env)
    assert _seconds(compose["crawler"]["stop_grace_period"]) > 2 * grace, "compose crawler stop_grace_period"
    env = {}
    for doc in _docs(DEPLOY / "k8s" / "configmap.yaml"):
        env.update({k: v for k, v in (doc.get("data") or {}).items() if k.startswith("NEWSIEVE_")})
    for path in K8S_FILES:
        for doc in _docs(path):
            if doc.get("kind") != "Deployment":
                continue
            args = [c.get("args", []) for c in doc["spec"]["template"]["spec"]["containers"]]
            if any(a[:1] == ["run"] for a in args):
                period = doc["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
                assert period > 2 * _grace(env), f"{_rel(path)}: terminationGracePeriodSeconds {period}"


# -- the tools' own checks, where installed --------------------------------------------------------


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    tool = shutil.which("systemd-analyze")
    if not tool:
        pytest.skip("systemd-analyze is not installed")
    newsieve = Path(sys.executable).parent / "newsieve"  # verify wants ExecStart's program to exist
    units = []
    for path in UNIT_FILES:
        name = path.name.replace("@.service", "@1.service")
        text = path.read_text(encoding="utf-8").replace("/opt/newsieve/bin/newsieve", str(newsieve))
        (tmp_path / name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / name))
    proc = subprocess.run([tool, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if str(tmp_path) in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_kustomize_builds() -> None:
    import shutil
    import subprocess

    tool = shutil.which("kubectl")
    if not tool:
        pytest.skip("kubectl is not installed")
    proc = subprocess.run(
        [tool, "kustomize", str(DEPLOY / "k8s")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(proc.stdout) if d]
    assert {"ConfigMap", "Deployment", "Service"} <= set(kinds), kinds

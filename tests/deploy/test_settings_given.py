"""Every `ddrr` container of docker-compose.yml and deploy/k8s/ is given every setting its
process needs: config/ddrr.yaml, read with that container's environment, passes the start-up
check for its service (`shared/settings.py`; on Kubernetes with DDRR_PRODUCTION=true and the
Secrets filled in, so no demo secret is left), and no address it connects to or is reached at
is left at config/ddrr.yaml's loopback default, which inside a container means itself."""
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shared.config import DEFAULT_PATH, load
from shared.settings import SettingError, parse
from tests.deploy.test_compose import environment, read_yaml

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = set(re.findall(r"\$\{(\w+):", DEFAULT_PATH.read_text(encoding="utf-8")))
LOOPBACK = re.compile(r"(^|//|@)(127\.0\.0\.1|localhost)\b")
SHARED = [("AMQP_URI",), ("METRICS", "host")]
# The addresses each process connects to or is reached at (config paths).
ADDRESSES = {
    "enrollment": SHARED + [("DATABASES", "enrollment"), ("ENROLLMENT", "name_check", "url")],
    "livelihoods": SHARED + [("DATABASES", "livelihoods")],
    "ledger": SHARED + [("DATABASES", "ledger"), ("LEDGER", "rail", "provider_url"),
                        ("LEDGER", "rail", "callback_address"), ("LEDGER", "rail", "callback_url")],
    "mentorship": SHARED + [("DATABASES", "mentorship")],
    "gateway": SHARED + [("DATABASES", "gateway"), ("WEB_SERVER_ADDRESS",)],
    "provider": [("PROVIDER", "address")],
    "seed": [("DATABASES", "gateway"), ("GATEWAY", "public_url"), ("LEDGER", "rail", "provider_url")],
}
# What an operator puts in the Secrets (secrets/secrets.template.yaml holds placeholders).
FERNET_KEYS = ("ENROLLMENT_PII_KEY", "PARTNER_SECRETS_KEY")


def configuration(env: dict, monkeypatch) -> dict:
    """config/ddrr.yaml as a process with exactly `env` (of the variables it reads) loads it."""
    with monkeypatch.context() as patch:
        for name in VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            if value is not None:
                patch.setenv(name, str(value))
        return load()


def at(config: dict, path: tuple) -> str:
    for key in path:
        config = config[key]
    return str(config)


def process_of(command: list[str]) -> str | None:
    """`ddrr serve X` -> X, `ddrr seed` -> seed; None for any other command."""
    if command[:2] == ["ddrr", "serve"]:
        return command[2]
    return "seed" if command == ["ddrr", "seed"] else None


def assert_complete(process: str, env: dict, monkeypatch, where: str) -> None:
    config = configuration(env, monkeypatch)
    if process != "seed":
        parse(config, process)
    for path in ADDRESSES[process]:
        assert not LOOPBACK.search(at(config, path)), f"{where}: {'.'.join(path)} is {at(config, path)!r}"


# --- docker compose -------------------------------------------------------------------

def compose_containers():
    services = read_yaml(ROOT / "docker-compose.yml")[0]["services"]
    return [(name, process_of(s["command"]), environment(s)) for name, s in services.items()
            if process_of(s.get("command") or [])]


@pytest.mark.parametrize("name, process, env", compose_containers(), ids=[c[0] for c in compose_containers()])
def test_each_compose_container_is_given_its_settings(monkeypatch, name, process, env):
    assert_complete(process, env, monkeypatch, f"compose {name}")


# --- Kubernetes -----------------------------------------------------------------------

def manifests() -> list[dict]:
    return [doc for path in sorted((ROOT / "deploy" / "k8s").rglob("*.yaml")) for doc in read_yaml(path)]


def filled_secrets(docs) -> dict[tuple[str, str], str]:
    values = {}
    for secret in [d for d in docs if d["kind"] == "Secret"]:
        for key in secret["stringData"]:
            values[(secret["metadata"]["name"], key)] = (
                Fernet.generate_key().decode() if key in FERNET_KEYS else f"{key.lower()}-{'x' * 24}")
    return values


def container_env(container: dict, config_maps: dict, secrets: dict) -> dict:
    """The container's environment as the kubelet builds it: envFrom in order, then env, each
    $(VAR) expanded from what is defined before it."""
    env = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]])
    for var in container.get("env", []):
        ref = var.get("valueFrom", {}).get("secretKeyRef")
        env[var["name"]] = secrets[(ref["name"], ref["key"])] if ref else re.sub(
            r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), var["value"])
    return env


def k8s_containers():
    docs = manifests()
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    secrets = filled_secrets(docs)
    found = []
    for workload in [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            if process := process_of(container.get("command") or []):
                found.append((container["name"], process, container_env(container, config_maps, secrets)))
    return found


@pytest.mark.parametrize("name, process, env", k8s_containers(), ids=[c[0] for c in k8s_containers()])
def test_each_kubernetes_container_is_given_its_settings_in_production(monkeypatch, name, process, env):
    assert env["DDRR_PRODUCTION"] == "true"
    assert_complete(process, env, monkeypatch, f"k8s {name}")


def test_a_secret_left_out_of_a_workload_stops_it_in_production(monkeypatch):
    """What the test above catches: the ledger without the provider's token falls back to the
    demo token, which production refuses."""
    (name, process, env) = next(c for c in k8s_containers() if c[1] == "ledger")
    del env["PROVIDER_TOKEN"]
    with pytest.raises(SettingError, match=r"^setting PROVIDER\.token \(PROVIDER_TOKEN\): the demo value"):
        assert_complete(process, env, monkeypatch, name)


def test_an_address_left_at_its_default_is_named(monkeypatch):
    (name, process, env) = next(c for c in compose_containers() if c[1] == "ledger")
    del env["LEDGER_CALLBACK_URL"]
    with pytest.raises(AssertionError, match="LEDGER.rail.callback_url is 'http://127.0.0.1:8101"):
        assert_complete(process, env, monkeypatch, name)

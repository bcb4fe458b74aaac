"""The deployment files agree with the code they start and with each other.

No container is built or started here (the test machines have no Docker engine): these
tests read docker-compose.yml, deploy/Dockerfile, deploy/k8s/, the RabbitMQ definitions
and the PostgreSQL init script, and fail when a name, a command, a database, a secret
reference or a broker definition drifts. The health-check helper is run for real.
"""
import base64
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = ("enrollment", "livelihoods", "ledger", "mentorship", "gateway")
HTTP_SERVICES = ("provider",)  # `ddrr serve` without nameko: the simulated payment provider
STATELESS = ("enrollment", "livelihoods", "mentorship", "gateway")
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


# --- loading -------------------------------------------------------------------------

class PlainLoader(yaml.SafeLoader):
    """YAML as docker compose and kubectl read it. `shared.config.load` adds nameko's `${VAR}`
    resolver to yaml.SafeLoader for the whole process, which would read compose's
    `${VAR:-default}` as an environment lookup with the default `-default`."""


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if "env_var" not in tag]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def read_yaml(path: Path) -> list:
    return [doc for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=PlainLoader) if doc]


@pytest.fixture(scope="module")
def compose():
    return read_yaml(ROOT / "docker-compose.yml")[0]


@pytest.fixture(scope="module")
def project():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


@pytest.fixture(scope="module")
def definitions():
    return json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def k8s():
    return [doc for path in sorted((DEPLOY / "k8s").rglob("*.y*ml")) for doc in read_yaml(path)]


def interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` / `${VAR}` with nothing set: what a bare checkout gets."""
    return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)


def served(service: dict):
    """The service name in `ddrr serve <name>`, or None for any other command."""
    command = service.get("command") or []
    return command[2] if command[:2] == ["ddrr", "serve"] and len(command) == 3 else None


def environment(service: dict) -> dict:
    return {key: interpolate(value) if isinstance(value, str) else value
            for key, value in (service.get("environment") or {}).items()}


def one(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def containers(doc):
    return doc["spec"]["template"]["spec"]["containers"]


def dependency_names(project) -> set:
    return {re.split(r"[\s<>=!~;\[]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def rabbit_password_matches(password_hash: str, password: str) -> bool:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt[4] + sha256(salt + password))."""
    raw = base64.b64decode(password_hash)
    salt, digest = raw[:4], raw[4:]
    return hashlib.sha256(salt + password.encode()).digest() == digest


# --- docker compose ------------------------------------------------------------------

def test_each_nameko_service_runs_under_its_own_name(compose):
    services = compose["services"]
    targets = {name: served(service) for name, service in services.items() if served(service)}
    for name, target in targets.items():
        assert target in SERVICES + HTTP_SERVICES, f"compose service {name!r} serves unknown {target!r}"
        assert services[name]["command"] == ["ddrr", "serve", name]
    assert sorted(targets) == sorted(SERVICES + HTTP_SERVICES)
    # nothing else sneaks in a `ddrr serve` under another spelling
    for name, service in services.items():
        command = service.get("command") or []
        if "serve" in command:
            assert name in SERVICES + HTTP_SERVICES, f"{name!r} runs {command}"


@pytest.mark.parametrize("name", SERVICES)
def test_serve_target_is_an_importable_module(name):
    assert module_exists(f"services.{name}.service"), f"services/{name}/service.py is missing"


def test_provider_is_checked_on_its_own_port_and_keeps_its_database_on_a_volume(compose):
    assert module_exists("services.provider.server")
    provider = compose["services"]["provider"]
    env = environment(provider)
    port = env["PROVIDER_ADDRESS"].rsplit(":", 1)[1]
    assert provider["healthcheck"]["test"] == ["CMD", "ddrr-healthcheck", f"http://127.0.0.1:{port}/health"]
    assert f"{provider['volumes'][0].split(':')[0]}" in compose["volumes"]
    assert provider["volumes"][0].endswith(f":{env['DDRR_DATA_DIR']}")


def test_ddrr_console_script_target_exists(project):
    module = project["scripts"]["ddrr"].split(":", 1)[0]
    assert module_exists(module), f"[project.scripts] ddrr points at missing module {module}"


def test_built_services_name_an_existing_dockerfile(compose):
    built = {name: s["build"] for name, s in compose["services"].items() if "build" in s}
    assert set(SERVICES) <= set(built)
    for name, build in built.items():
        context = ROOT / build["context"]
        assert context.is_dir(), name
        assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']}"
    # every container started from the project image can build it
    image = compose["services"]["gateway"]["image"]
    for name, service in compose["services"].items():
        if service.get("image") == image:
            assert "build" in service, f"{name} uses {image} but cannot build it"


def test_dockerfile_copies_only_paths_that_exist():
    copies = [line.split()[1:] for line in (DEPLOY / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ")]
    assert copies
    for args in copies:
        sources = [a for a in args if not a.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"deploy/Dockerfile copies missing {source}"


def test_dockerfile_copies_every_package_pyproject_installs():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        include = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = {line.split()[-2] for line in (DEPLOY / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ") and len(line.split()) == 3}
    packages = {pattern.rstrip("*.") for pattern in include}
    assert packages and packages <= copied, f"deploy/Dockerfile does not copy {sorted(packages - copied)}"


def test_every_command_is_a_declared_console_script(compose, k8s, project):
    commands = [s["command"] for s in compose["services"].values() if "command" in s]
    commands += [c["command"] for d in k8s if d["kind"] in WORKLOAD_KINDS
                 for c in containers(d) if "command" in c and c["image"].startswith("ddrr")]
    assert commands
    for command in commands:
        assert command[0] in ("ddrr", "fava"), command
    assert "ddrr" in project["scripts"]
    assert "fava" in dependency_names(project)


def test_each_service_gets_only_its_own_database(compose):
    databases = set(re.findall(r"CREATE DATABASE (\w+)", (DEPLOY / "postgres" / "init.sql").read_text()))
    assert databases == set(SERVICES)
    postgres_env = environment(compose["services"]["postgres"])
    for name, service in compose["services"].items():
        env = environment(service)
        urls = {k: v for k, v in env.items() if k.endswith("_DATABASE_URL")}
        if served(service) in SERVICES:
            assert list(urls) == [f"{name.upper()}_DATABASE_URL"], name
        for key, url in urls.items():
            owner = key.removesuffix("_DATABASE_URL").lower()
            parts = urlsplit(url)
            assert parts.scheme == "postgresql" and parts.hostname == "postgres", url
            assert parts.path == f"/{owner}" and parts.username == owner, url
            assert parts.password == postgres_env[f"{owner.upper()}_DB_PASSWORD"], key


def test_environment_names_are_read_by_the_configuration(compose):
    config = (ROOT / "config" / "ddrr.yaml").read_text()
    known = set(re.findall(r"\$\{(\w+):", config))
    for name, service in compose["services"].items():
        if (service.get("command") or [""])[0] != "ddrr":
            continue
        unknown = set(service.get("environment") or {}) - known
        assert not unknown, f"{name}: config/ddrr.yaml reads none of {sorted(unknown)}"


def test_broker_credentials_match_the_definitions(compose, definitions):
    users = {u["name"]: u for u in definitions["users"]}
    vhosts = {v["name"] for v in definitions["vhosts"]}
    granted = {(p["user"], p["vhost"]) for p in definitions["permissions"]}
    uris = {environment(s).get("AMQP_URI") for s in compose["services"].values()} - {None}
    assert uris
    for uri in uris:
        parts = urlsplit(uri)
        vhost = parts.path.lstrip("/")
        assert parts.hostname == "rabbitmq" and vhost in vhosts, uri
        assert rabbit_password_matches(users[parts.username]["password_hash"], parts.password)
        assert (parts.username, vhost) in granted


def test_dependencies_wait_on_real_health_checks(compose):
    services = compose["services"]
    for name, service in services.items():
        for target, rule in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits on {target}'s health"


def test_ledger_volume_has_a_single_writer(compose):
    mounts = {}
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source, target, *mode = volume.split(":")
            if source == "ledger":
                mounts[name] = mode
    assert mounts.pop("ledger") == []
    assert mounts.pop("fava") == ["ro"]
    assert all(mode == ["ro"] for mode in mounts.values()), mounts


def test_bind_mounted_files_exist_and_rabbitmq_loads_its_definitions(compose):
    binds = {}
    for service in compose["services"].values():
        for volume in service.get("volumes") or []:
            source, target = volume.split(":")[:2]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
                binds[source] = target
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    loaded = re.search(r"^load_definitions\s*=\s*(\S+)", conf, re.M).group(1)
    assert binds["./deploy/rabbitmq/definitions.json"] == loaded
    assert "rabbitmq_management" in (DEPLOY / "rabbitmq" / "enabled_plugins").read_text()


# --- RabbitMQ definitions -------------------------------------------------------------

def test_event_queues_dead_letter_into_a_durable_queue(definitions):
    (policy,) = [p for p in definitions["policies"] if p["pattern"] == "^evt-"]
    assert policy["apply-to"] == "queues"
    exchange_name = policy["definition"]["dead-letter-exchange"]
    assert exchange_name == "ddrr.dead-letter"
    (exchange,) = [x for x in definitions["exchanges"] if x["name"] == exchange_name]
    assert exchange["type"] == "fanout" and exchange["durable"]
    (queue,) = [q for q in definitions["queues"] if q["name"] == "ddrr.dead-letter"]
    assert queue["durable"] and not queue["auto_delete"]
    assert {"source": exchange_name, "destination": queue["name"], "destination_type": "queue"}.items() \
        <= next(b for b in definitions["bindings"] if b["source"] == exchange_name).items()
    # it catches nameko's event-handler queues, not RPC queues nor the dead-letter queue
    pattern = re.compile(policy["pattern"])
    assert pattern.search("evt-enrollment-participant_enrolled--livelihoods.on_enrolled")
    assert not pattern.search("rpc-ledger") and not pattern.search(queue["name"])
    (vhost,) = [v for v in definitions["vhosts"] if v["name"] == policy["vhost"]]
    assert vhost["metadata"]["default_queue_type"] == "quorum"


# --- Kubernetes -----------------------------------------------------------------------

def test_every_manifest_names_its_api_kind_and_name(k8s):
    assert k8s
    for doc in k8s:
        assert doc.get("apiVersion") and doc.get("kind"), doc
        assert doc.get("metadata", {}).get("name"), doc


@pytest.mark.parametrize("name", STATELESS)
def test_stateless_service_is_a_replicated_deployment(k8s, name):
    deployment = one(k8s, "Deployment", name)
    assert deployment["spec"]["replicas"] >= 2
    (container,) = containers(deployment)
    assert container["command"] == ["ddrr", "serve", name]
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert container.get("readinessProbe"), name
    if name == "gateway":
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_ledger_is_a_single_replica_statefulset_on_a_shared_volume(k8s):
    assert not [d for d in k8s if d["kind"] == "Deployment" and d["metadata"]["name"] == "ledger"]
    ledger = one(k8s, "StatefulSet", "ledger")
    assert ledger["spec"]["replicas"] == 1
    writer, standby = containers(ledger)  # a writer and its standby, on the same folder
    assert writer["command"] == standby["command"] == ["ddrr", "serve", "ledger"]
    assert writer["volumeMounts"] == standby["volumeMounts"]
    assert writer["env"] == standby["env"]
    (claim,) = [v["persistentVolumeClaim"]["claimName"]
                for v in ledger["spec"]["template"]["spec"]["volumes"] if "persistentVolumeClaim" in v]
    assert "ReadWriteMany" in one(k8s, "PersistentVolumeClaim", claim)["spec"]["accessModes"]

    fava = one(k8s, "Deployment", "fava")["spec"]["template"]["spec"]
    (volume,) = [v for v in fava["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"] == {"claimName": claim, "readOnly": True}
    (mount,) = [m for m in fava["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["readOnly"] is True
    assert fava["enableServiceLinks"] is False  # else FAVA_PORT=tcp://... breaks Fava


def test_selectors_match_their_pods(k8s):
    pod_labels = []
    for doc in k8s:
        if doc["kind"] in WORKLOAD_KINDS:
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()
            pod_labels.append(labels)
    for service in [d for d in k8s if d["kind"] == "Service"]:
        selector = service["spec"]["selector"].items()
        assert any(selector <= labels.items() for labels in pod_labels), service["metadata"]["name"]
    for name in ("gateway", "fava"):
        one(k8s, "Service", name)


def test_secret_and_configmap_references_resolve(k8s):
    secrets = {d["metadata"]["name"]: set(d["stringData"]) for d in k8s if d["kind"] == "Secret"}
    config_maps = {d["metadata"]["name"]: set(d["data"]) for d in k8s if d["kind"] == "ConfigMap"}
    for doc in [d for d in k8s if d["kind"] in WORKLOAD_KINDS]:
        for container in containers(doc):
            defined = set()
            for source in container.get("envFrom", []):
                defined |= config_maps[source["configMapRef"]["name"]]
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]], (doc["metadata"]["name"], ref)
                for used in re.findall(r"\$\((\w+)\)", var.get("value", "")):
                    assert used in defined, f"{doc['metadata']['name']}: $({used}) is not defined before {var['name']}"
                defined.add(var["name"])
        for volume in doc["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps
    user = one(k8s, "User", "ddrr")
    assert secrets[user["spec"]["importCredentialsSecret"]["name"]] >= {"username", "password"}


def test_secret_template_holds_placeholders_only(k8s):
    for secret in [d for d in k8s if d["kind"] == "Secret"]:
        for key, value in secret["stringData"].items():
            if key != "username":
                assert "CHANGE-ME" in value, f"{secret['metadata']['name']}.{key} looks like a real value"


def test_workloads_use_their_own_database(k8s):
    for name in SERVICES:
        kind = "StatefulSet" if name == "ledger" else "Deployment"
        for container in containers(one(k8s, kind, name)):
            env = {v["name"]: v for v in container["env"]}
            assert [k for k in env if k.endswith("_DATABASE_URL")] == [f"{name.upper()}_DATABASE_URL"]
            url = urlsplit(env[f"{name.upper()}_DATABASE_URL"]["value"])
            assert url.scheme == "postgresql" and url.path == f"/{name}" and url.username == name
            assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == f"{name.upper()}_DB_PASSWORD"
            assert ("ENROLLMENT_PII_KEY" in env) == ("ENROLLMENT_INDEX_KEY" in env) == (name == "enrollment")


def test_kubernetes_broker_objects_match_the_compose_definitions(k8s, definitions):
    assert one(k8s, "RabbitmqCluster", "rabbitmq")["spec"]["replicas"] == 3
    (vhost,) = definitions["vhosts"]
    vhost_cr = [d for d in k8s if d["kind"] == "Vhost"]
    assert [(v["spec"]["name"], v["spec"]["defaultQueueType"]) for v in vhost_cr] == \
        [(vhost["name"], vhost["metadata"]["default_queue_type"])]
    (policy,) = definitions["policies"]
    (policy_cr,) = [d["spec"] for d in k8s if d["kind"] == "Policy"]
    assert (policy_cr["name"], policy_cr["vhost"], policy_cr["pattern"], policy_cr["applyTo"],
            policy_cr["definition"]) == (policy["name"], policy["vhost"], policy["pattern"],
                                         policy["apply-to"], policy["definition"])
    (exchange,) = definitions["exchanges"]
    (exchange_cr,) = [d["spec"] for d in k8s if d["kind"] == "Exchange"]
    assert (exchange_cr["name"], exchange_cr["type"]) == (exchange["name"], exchange["type"])
    (queue,) = definitions["queues"]
    (queue_cr,) = [d["spec"] for d in k8s if d["kind"] == "Queue"]
    assert (queue_cr["name"], queue_cr["type"]) == (queue["name"], queue["arguments"]["x-queue-type"])
    (binding,) = definitions["bindings"]
    (binding_cr,) = [d["spec"] for d in k8s if d["kind"] == "Binding"]
    assert (binding_cr["source"], binding_cr["destination"]) == (binding["source"], binding["destination"])
    for doc in k8s:
        if doc["apiVersion"].startswith("rabbitmq.com/") and doc["kind"] != "RabbitmqCluster":
            assert doc["spec"]["rabbitmqClusterReference"]["name"] == "rabbitmq"
            assert doc["spec"].get("vhost", "ddrr") == vhost["name"]


def test_kubernetes_postgres_runs_the_same_init_script(k8s):
    init = one(k8s, "ConfigMap", "postgres-init")["data"]["init.sql"]
    assert init == (DEPLOY / "postgres" / "init.sql").read_text()


# --- the health-check helper ---------------------------------------------------------

def healthcheck(*args):
    return subprocess.run([sys.executable, str(DEPLOY / "healthcheck.py"), *args],
                          capture_output=True, timeout=20).returncode


def test_http_check_needs_a_2xx_answer(tmp_path):
    (tmp_path / "health").write_text("ok")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while healthcheck(f"http://127.0.0.1:{port}/health") != 0:
            assert time.monotonic() < deadline, "test HTTP server did not start"
            time.sleep(0.2)
        assert healthcheck(f"http://127.0.0.1:{port}/missing") == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert healthcheck(f"http://127.0.0.1:{port}/health") == 1
    assert healthcheck() == 2


def test_services_are_checked_on_their_operations_port(compose):
    """Each `ddrr serve` container's health check asks /readyz on the port its service serves."""
    for name, service in compose["services"].items():
        if served(service) in SERVICES:
            port = environment(service)[f"{name.upper()}_METRICS_PORT"]
            assert service["healthcheck"]["test"] == ["CMD", "ddrr-healthcheck", f"http://127.0.0.1:{port}/readyz"]

"""Every Kubernetes manifest validated offline against the Kubernetes schemas
(kubernetes-validate, strict: unknown fields fail), every workload probed, and the broker's
queues made to survive (quorum, at-least-once dead-lettering)."""
import json
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from nameko.events import SERVICE_POOL
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from prometheus_client import REGISTRY

from shared import metrics
from shared.dead_lettering import DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE
from shared.handlers import ReliableEventHandler
from tests.conftest import ALL_SERVICES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").rglob("*.yaml"))
OPERATOR_API = "rabbitmq.com/"  # the RabbitMQ cluster operator's resources: no schema ships with Kubernetes


def documents(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_each_manifest_is_valid_kubernetes(path):
    for resource in documents(path):
        try:
            kubernetes_validate.validate(resource, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            assert resource["apiVersion"].startswith(OPERATOR_API), resource["kind"]


def workloads():
    return [resource for path in MANIFESTS for resource in documents(path)
            if resource["kind"] in ("Deployment", "StatefulSet")]


@pytest.mark.parametrize("workload", workloads(), ids=lambda workload: workload["metadata"]["name"])
def test_every_workload_has_liveness_and_readiness_probes(workload):
    for container in workload["spec"]["template"]["spec"]["containers"]:
        assert "livenessProbe" in container and "readinessProbe" in container, container["name"]


def config_maps() -> dict[str, dict]:
    return {r["metadata"]["name"]: r["data"] for path in MANIFESTS for r in documents(path) if r["kind"] == "ConfigMap"}


@pytest.mark.parametrize("workload", [w for w in workloads() if w["spec"]["template"]["spec"]["containers"][0]
                                      .get("command", [None])[0] == "ddrr"], ids=lambda w: w["metadata"]["name"])
def test_services_are_probed_on_their_operations_port(workload):
    """Each container's probes ask the port its service serves on (`<SERVICE>_METRICS_PORT`
    of the ConfigMaps it reads, the last one winning), each container of a pod its own."""
    maps, ports = config_maps(), set()
    for container in workload["spec"]["template"]["spec"]["containers"]:
        service = container["command"][2]
        port = int([maps[source["configMapRef"]["name"]] for source in container["envFrom"]
                    if f"{service.upper()}_METRICS_PORT" in maps[source["configMapRef"]["name"]]][-1]
                   [f"{service.upper()}_METRICS_PORT"])
        (named,) = [p["name"] for p in container["ports"] if p["containerPort"] == port]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": named}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": named}
        ports.add(port)
    assert len(ports) == len(workload["spec"]["template"]["spec"]["containers"])  # one pod, one network


def test_event_queues_are_quorum_queues_that_dead_letter_at_least_once():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    (vhost,) = definitions["vhosts"]
    assert vhost["metadata"]["default_queue_type"] == "quorum"
    (policy,) = [p for p in definitions["policies"] if p["pattern"] == "^evt-"]
    assert policy["definition"]["dead-letter-strategy"] == "at-least-once"
    assert policy["definition"]["overflow"] == "reject-publish"
    assert policy["definition"]["delivery-limit"] > 0
    (dead_letters,) = [q for q in definitions["queues"] if q["name"] == "ddrr.dead-letter"]
    assert dead_letters["arguments"]["x-queue-type"] == "quorum"


def event_queues() -> dict[str, ReliableEventHandler]:
    """Every event-handler queue the services declare (nameko's name for a service-pool
    handler), with its handler."""
    found = {}
    for service in ALL_SERVICES:
        for method in dir(service):
            for entrypoint in getattr(getattr(service, method), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    assert entrypoint.handler_type is SERVICE_POOL, method
                    found[f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service.name}.{method}"] = entrypoint
    return found


def test_the_queues_the_code_declares_agree_with_the_definitions():
    """The broker takes the services' declarations as they are: the event queues the policy
    makes dead-letter at least once with a delivery limit are every one the code declares, with
    the same dead-letter exchange; the definitions declare none of them (a second declaration
    with other arguments is refused), and the dead-letter queue the code declares without a type
    is the vhost's default type, quorum, as the definitions declare it. Single active consumers
    are the ledger writer's queues only (quorum queues take them); every other queue is shared."""
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    (policy,) = [p for p in definitions["policies"] if p["pattern"] == "^evt-"]
    queues = event_queues()
    assert queues and all(re.search(policy["pattern"], name) for name in queues)
    assert policy["definition"]["dead-letter-exchange"] == DEAD_LETTER_EXCHANGE.name
    assert [x["name"] for x in definitions["exchanges"]] == [DEAD_LETTER_EXCHANGE.name]
    assert [q["name"] for q in definitions["queues"]] == [DEAD_LETTER_QUEUE.name]
    assert not DEAD_LETTER_QUEUE.queue_arguments
    (vhost,) = definitions["vhosts"]
    assert vhost["metadata"]["default_queue_type"] == definitions["queues"][0]["arguments"]["x-queue-type"] == "quorum"
    single = {name for name, handler in queues.items() if handler.single_active_consumer}
    assert single == {name for name in queues if name.endswith(tuple(
        f"--ledger.{method}" for method in ("on_disbursement_requested", "on_programme_created")))}


def test_the_dashboard_draws_only_series_the_suite_exports():
    exported = {name for collector in list(REGISTRY._collector_to_names) for name in REGISTRY._collector_to_names[collector]}
    exported |= set(metrics.StateCollector.SERIES)
    dashboard = json.loads((DEPLOY / "grafana" / "ddrr.json").read_text())
    drawn = {word for panel in dashboard["panels"] for target in panel["targets"]
             for word in re.findall(r"ddrr_\w+", target["expr"])}
    assert drawn and drawn <= exported, drawn - exported

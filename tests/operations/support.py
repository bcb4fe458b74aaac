"""What the replica tests share: throw-away PostgreSQL databases, and `ddrr serve <service>`
processes of the test's own, several of one service beside each other, each with its own
operations port (metrics, health) and log file, on the test's RabbitMQ virtual host."""
import subprocess
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.running_suite import RunningSuite, configuration
from tests.ports import free_port


def metric(url: str, name: str, **labels: str) -> float:
    """The value of one series on the /metrics of the process at `url` (0 when it has none yet)."""
    for family in text_string_to_metric_families(requests.get(f"{url}/metrics", timeout=5).text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return 0.0


class Instance:
    """One `ddrr serve` process and its operations port."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).ok
        except requests.ConnectionError:
            return False

    def metric(self, name: str, **labels: str) -> float:
        return metric(self.url, name, **labels)


class Processes:
    """The test's service processes, with the running suite's test configuration (made-up
    payees, overdue payments asked about after 5 s) and any settings given."""

    def __init__(self, folder: Path, amqp_uri: str, **env: str):
        self.folder = folder
        self.suite = RunningSuite(folder, amqp_uri, ports=free_port, **env)
        self.env, self.amqp_uri = self.suite.env, self.suite.amqp_uri
        configuration(folder)
        self.started: list[Instance] = []

    def serve(self, service: str) -> Instance:
        port = free_port()
        log = self.folder / f"{service}-{len(self.started)}.log"
        with open(log, "a", encoding="utf-8") as out:
            process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", service],
                                       env={**self.env, f"{service.upper()}_METRICS_PORT": str(port)},
                                       stdout=out, stderr=subprocess.STDOUT)
        self.started.append(Instance(process, f"http://127.0.0.1:{port}", log))
        return self.started[-1]

    def consumers(self, queue: str) -> int:
        return self.suite.consumers(queue)

    def wait(self, condition, what: str, seconds: float = 90) -> None:
        """Until `condition()` holds; fails naming `what` if a process ended or time ran out."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                if condition():
                    return
            except Exception:  # a queue not declared yet, a port not open yet
                pass
            ended = [i.log.name for i in self.started if i.process.poll() is not None and i.process.returncode != -9]
            assert not ended and time.monotonic() < deadline, f"{what}: not within {seconds} s (ended: {ended}, " \
                                                              f"see {self.folder}/*.log)"
            time.sleep(0.3)

    def stop(self) -> None:
        for instance in self.started:
            if instance.process.poll() is None:
                instance.process.terminate()
        for instance in self.started:
            try:
                instance.process.wait(15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait(5)

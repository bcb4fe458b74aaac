"""A wrong or missing setting stops `ddrr serve`/`ddrr run` with one line naming it;
demo secrets are refused in production."""
import copy
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from shared.config import load
from shared.settings import SettingError, parse

REAL_SECRETS = {"ENROLLMENT_PII_KEY": Fernet.generate_key().decode(), "ENROLLMENT_INDEX_KEY": "x" * 40,
                "PARTNER_SECRETS_KEY": Fernet.generate_key().decode(), "PROVIDER_TOKEN": "t" * 32,
                "PROVIDER_CALLBACK_SECRET": "s" * 32}


def ddrr(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "DDRR_DATA_DIR": "/nonexistent-ddrr", **env})


@pytest.mark.parametrize("command", [("serve", "enrollment"), ("run",)])
def test_a_wrong_setting_stops_the_start_in_one_line(command):
    done = ddrr(*command, ENROLLMENT_PII_KEY="not-a-key")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "ddrr: setting ENROLLMENT.pii_key: expected a Fernet key (32 bytes, url-safe base64)"]


def test_demo_secrets_are_refused_in_production():
    done = ddrr("serve", "enrollment", DDRR_PRODUCTION="true")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "ddrr: setting ENROLLMENT.pii_key (ENROLLMENT_PII_KEY): the demo value is refused when DDRR_PRODUCTION=true"]
    one_left = ddrr("serve", "enrollment", DDRR_PRODUCTION="true", **{**REAL_SECRETS, "PROVIDER_TOKEN": ""})
    assert one_left.stderr.splitlines()[-1].startswith("ddrr: setting PROVIDER.token")


def test_real_secrets_pass_in_production(monkeypatch):
    for name, value in {**REAL_SECRETS, "DDRR_PRODUCTION": "true"}.items():
        monkeypatch.setenv(name, value)
    settings = parse(load())
    assert settings.PRODUCTION and settings.demo_secrets() == []


@pytest.mark.parametrize("service, refused", [
    ("enrollment", "ENROLLMENT.pii_key (ENROLLMENT_PII_KEY)"), ("livelihoods", "REFERRALS.secrets_key (PARTNER_SECRETS_KEY)"),
    ("ledger", "PROVIDER.token (PROVIDER_TOKEN)"), ("mentorship", None), ("gateway", None),
    (None, "ENROLLMENT.pii_key (ENROLLMENT_PII_KEY)"),  # `ddrr run`: every service's
])
def test_a_service_is_refused_only_the_demo_secrets_it_reads(monkeypatch, service, refused):
    """So a workload is given its own secrets only (the PII key stays with enrollment)."""
    monkeypatch.setenv("DDRR_PRODUCTION", "true")
    if refused is None:
        assert parse(load(), service).PRODUCTION
        return
    with pytest.raises(SettingError) as stopped:
        parse(load(), service)
    assert str(stopped.value) == f"setting {refused}: the demo value is refused when DDRR_PRODUCTION=true"


@pytest.mark.parametrize("path, expected", [
    (("AMQP_URI",), "setting AMQP_URI: missing"),
    (("DATABASES", "ledger"), "setting DATABASES.ledger: missing"),
    (("METRICS", "ports", "gateway"), "setting METRICS: no port for gateway"),
])
def test_a_missing_setting_is_named(path, expected):
    config = copy.deepcopy(load())
    section = config
    for key in path[:-1]:
        section = section[key]
    del section[path[-1]]
    with pytest.raises(SettingError) as refused:
        parse(config)
    assert str(refused.value) == expected


def test_wrong_values_are_named():
    config = copy.deepcopy(load())
    config["GATEWAY"]["read_timeout_seconds"] = 0
    with pytest.raises(SettingError, match=r"^setting GATEWAY.read_timeout_seconds: Input should be greater than 0$"):
        parse(config)
    config = copy.deepcopy(load())
    config["DATABASES"]["enrollment"] = "mysql://x"
    with pytest.raises(SettingError, match="^setting DATABASES.enrollment: expected a sqlite or postgresql"):
        parse(config)
    config = copy.deepcopy(load())
    config["LEDGER"]["rail"]["batch_size"] = 1001  # more than the provider takes in one batch
    with pytest.raises(SettingError, match=r"^setting LEDGER.rail.batch_size: Input should be less than or equal to 1000$"):
        parse(config)

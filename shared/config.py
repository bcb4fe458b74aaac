"""Configuration: one YAML file, every value overridable from the environment.

The file uses nameko's own `${ENV_VAR:default}` syntax, so the services (started by
`nameko run --config`) and the `ddrr` command read exactly the same settings.
"""
import os
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "ddrr.yaml"


def config_path() -> Path:
    return Path(os.environ.get("DDRR_CONFIG", DEFAULT_PATH))


def load(path: Path | None = None) -> dict:
    setup_yaml_parser()
    with open(path or config_path(), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def database_url(config: dict, service: str) -> str:
    try:
        return config["DATABASES"][service]
    except KeyError:
        raise KeyError(f"no DATABASES.{service} in the configuration") from None

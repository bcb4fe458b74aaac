"""The one logging configuration of the services and the `ddrr` command.

`LOG.format: json` (LOG_FORMAT=json: docker-compose and Kubernetes) writes one JSON object a line: time,
level, service, logger, message, and the request id, event id and user role of the
worker that logged it (shared/request_context.py), so one request can be followed across
every service. Anything else (`make run`) writes a readable line. Log lines carry
pseudonymous ids only: never names, phones, national ids, payment accounts or secrets;
the formatters add nothing but the fields above and an exception's traceback. Libraries that
write message bodies are held back whatever level is asked for: nameko's RPC proxies log
every reply at DEBUG (a participant's record, a payee's account), kombu and amqp their
frames, SQLAlchemy's engine its statements' parameters and rows.
"""
import json
import logging
import sys
from datetime import datetime, timezone

from shared import request_context

CONTEXT_FIELDS = ("request_id", "event_id", "user_role")
QUIET_LOGGERS = ("urllib3", "pika")
# Below WARNING these write message bodies, statements' parameters or rows.
BODY_LOGGERS = ("nameko.rpc", "nameko.standalone.rpc", "kombu", "amqp", "sqlalchemy.engine")


class WithholdBodies(logging.Filter):
    """Drops the records below WARNING of the loggers that write message bodies, even when a
    logger's own level was later set lower than the one `configure` gives it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not any(
            record.name == name or record.name.startswith(f"{name}.") for name in BODY_LOGGERS)


class ContextFilter(logging.Filter):
    """Stamps each record with the service and the current worker's context."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.current()
        record.service = context.get("service") or self.service
        for field in CONTEXT_FIELDS:
            setattr(record, field, context.get(field))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": record.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({field: getattr(record, field) for field in CONTEXT_FIELDS if getattr(record, field, None)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(service)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{field}={getattr(record, field)}" for field in CONTEXT_FIELDS
                           if getattr(record, field, None))
        return f"{line} [{context}]" if context else line


def configure(service: str, settings: dict) -> None:
    """Send every logger's records to stderr in the format and from the level the
    configuration's LOG section names, but never a message body (BODY_LOGGERS)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(WithholdBodies())
    handler.addFilter(ContextFilter(service))
    handler.setFormatter(JsonFormatter() if settings["format"] == "json" else ConsoleFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(settings["level"]).upper())
    for name in QUIET_LOGGERS + BODY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)

"""Fixtures of the integration tests: the private RabbitMQ node (see its module)."""
from tests.integration.private_rabbitmq import private_rabbit_config, private_rabbitmq  # noqa: F401

"""The outbox and inbox tables every service keeps in its own database."""
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text


def add_messaging_tables(metadata: MetaData) -> None:
    Table(
        "outbox", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(80), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False),
        Column("last_error", Text),
        Column("request_id", String(64)),  # the request that caused the event, for following it in the logs
    )
    Table(
        "inbox", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("consumer", String(120), primary_key=True),
        Column("event_type", String(80), nullable=False),
        Column("applied_at", DateTime(timezone=True), nullable=False),
    )


def outbox_table() -> Table:
    """The outbox on its own, for code that reads any service's outbox (the metrics)."""
    metadata = MetaData()
    add_messaging_tables(metadata)
    return metadata.tables["outbox"]

"""outbox rows keep the request id that caused them

Revision ID: a1e5c0d7f301
Revises: db324238b6a2
Create Date: 2026-11-30 21:00:00
"""
from shared.messaging_migration import add_outbox_request_id, drop_outbox_request_id

revision = 'a1e5c0d7f301'
down_revision = 'db324238b6a2'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_id()


def downgrade():
    drop_outbox_request_id()

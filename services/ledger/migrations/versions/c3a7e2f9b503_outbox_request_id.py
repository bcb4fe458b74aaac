"""outbox rows keep the request id that caused them

Revision ID: c3a7e2f9b503
Revises: e3b1d7c4a9f2
Create Date: 2026-11-30 21:00:00
"""
from shared.messaging_migration import add_outbox_request_id, drop_outbox_request_id

revision = 'c3a7e2f9b503'
down_revision = 'e3b1d7c4a9f2'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_id()


def downgrade():
    drop_outbox_request_id()

"""outbox rows keep the request id that caused them

Revision ID: b2f6d1e8a402
Revises: d7f3b2a1c9e8
Create Date: 2026-11-30 21:00:00
"""
from shared.messaging_migration import add_outbox_request_id, drop_outbox_request_id

revision = 'b2f6d1e8a402'
down_revision = 'd7f3b2a1c9e8'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_id()


def downgrade():
    drop_outbox_request_id()

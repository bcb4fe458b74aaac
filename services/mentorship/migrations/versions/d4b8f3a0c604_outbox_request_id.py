"""outbox rows keep the request id that caused them

Revision ID: d4b8f3a0c604
Revises: 154f0e13b622
Create Date: 2026-11-30 21:00:00
"""
from shared.messaging_migration import add_outbox_request_id, drop_outbox_request_id

revision = 'd4b8f3a0c604'
down_revision = '154f0e13b622'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_id()


def downgrade():
    drop_outbox_request_id()

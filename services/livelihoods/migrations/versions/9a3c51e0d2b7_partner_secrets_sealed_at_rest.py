"""partners' webhook secrets and API tokens sealed at rest

Revision ID: 9a3c51e0d2b7
Revises: 46d61b8e66ec
Create Date: 2026-11-30 20:30:00

Each stored secret and token is sealed with the configured `REFERRALS.secrets_key`
(Fernet; see services/livelihoods/partner_keys.py). A sealed value is longer than the
plain one, so the columns become TEXT. SQLite changes a column's type by copying the table;
foreign key checks are off meanwhile, so the referrals pointing at partners stay.
"""
from alembic import op
import sqlalchemy as sa

from services.livelihoods.partner_keys import PartnerKeys
from shared.config import load


revision = '9a3c51e0d2b7'
down_revision = '46d61b8e66ec'
branch_labels = None
depends_on = None

partners = sa.table('partners', sa.column('code', sa.String), sa.column('webhook_secret', sa.Text),
                    sa.column('api_token', sa.Text))


def _widen(webhook_type, token_type):
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys = OFF")
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('webhook_secret', type_=webhook_type)
        batch_op.alter_column('api_token', type_=token_type)
    if sqlite:
        op.execute("PRAGMA foreign_keys = ON")


def _rewrite(change):
    connection = op.get_bind()
    for code, secret, token in connection.execute(sa.select(partners)).all():
        connection.execute(partners.update().where(partners.c.code == code).values(
            webhook_secret=change(secret), api_token=None if token is None else change(token)))


def upgrade():
    _widen(sa.Text(), sa.Text())
    _rewrite(PartnerKeys.from_config(load()).seal)


def downgrade():
    _rewrite(PartnerKeys.from_config(load()).open)
    _widen(sa.String(length=100), sa.String(length=500))

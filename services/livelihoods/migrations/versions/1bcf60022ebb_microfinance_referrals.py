"""microfinance referrals

Revision ID: 1bcf60022ebb
Revises: 0bef9d29f1d4
Create Date: 2026-11-23 14:31:31.748810
"""
from alembic import op
import sqlalchemy as sa


revision = '1bcf60022ebb'
down_revision = '0bef9d29f1d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partners',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('eligibility_notes', sa.Text(), nullable=False),
    sa.Column('api_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=100), nullable=False),
    sa.Column('api_token', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('referrals',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('partner', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=120), nullable=False),
    sa.Column('trade', sa.String(length=60), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('consent_given_on', sa.Date(), nullable=False),
    sa.Column('consent_recorded_by', sa.String(length=60), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_status', sa.String(length=10), nullable=False),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.Column('delivery_error', sa.Text(), nullable=True),
    sa.Column('delivery_claim', sa.String(length=32), nullable=True),
    sa.Column('delivery_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner'], ['partners.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_partner'), ['partner'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('referral_status_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('referral_id', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('changed_by', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_status_changes_referral_id'), ['referral_id'], unique=False)



def downgrade():
    with op.batch_alter_table('referral_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_status_changes_referral_id'))

    op.drop_table('referral_status_changes')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_partner'))
        batch_op.drop_index(batch_op.f('ix_referrals_participant_id'))

    op.drop_table('referrals')
    op.drop_table('partners')

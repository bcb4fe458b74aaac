"""reconciliation, corrections, payment cycle and day

Revision ID: 57523e3fcfe9
Revises: b4b236ca4ef9
Create Date: 2026-11-23 15:35:59.741609
"""
from alembic import op
import sqlalchemy as sa


revision = '57523e3fcfe9'
down_revision = 'b4b236ca4ef9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('corrections',
    sa.Column('reversed_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('corrected_by', sa.String(length=80), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reversed_hash')
    )
    op.create_table('entry_keys',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('statements',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('closing_balance', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('imported_by', sa.String(length=80), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_off_by', sa.String(length=80), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('statement_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('statement_id', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=60), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('paid_in', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('withdrawn', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('disbursement_id', sa.String(length=12), nullable=True),
    sa.Column('expected_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('duplicate_of', sa.String(length=60), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolution_account', sa.String(length=200), nullable=True),
    sa.Column('resolution_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.String(length=80), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_items_disbursement_id'), ['disbursement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_items_receipt'), ['receipt'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_items_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_items_statement_id'), ['statement_id'], unique=False)

    with op.batch_alter_table('funding_postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cycle', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_postings_cycle'), ['cycle'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_day'), ['day'], unique=False)



def downgrade():
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_day'))
        batch_op.drop_index(batch_op.f('ix_postings_cycle'))
        batch_op.drop_column('day')
        batch_op.drop_column('cycle')

    with op.batch_alter_table('funding_postings', schema=None) as batch_op:
        batch_op.drop_column('reversed_at')

    with op.batch_alter_table('statement_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_items_statement_id'))
        batch_op.drop_index(batch_op.f('ix_statement_items_reference'))
        batch_op.drop_index(batch_op.f('ix_statement_items_receipt'))
        batch_op.drop_index(batch_op.f('ix_statement_items_disbursement_id'))

    op.drop_table('statement_items')
    op.drop_table('statements')
    op.drop_table('entry_keys')
    op.drop_table('corrections')

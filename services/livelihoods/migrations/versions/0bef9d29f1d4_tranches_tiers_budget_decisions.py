"""tranches tiers budget decisions

Revision ID: 0bef9d29f1d4
Revises: 5629cdc01a60
Create Date: 2026-11-23 14:29:19.616943
"""
from alembic import op
import sqlalchemy as sa


revision = '0bef9d29f1d4'
down_revision = '5629cdc01a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding',
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('reference')
    )
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_programme'), ['programme'], unique=False)

    op.create_table('follow_up_visits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=12), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('business_operating', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_up_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_visits_application_id'), ['application_id'], unique=False)

    op.create_table('grant_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=12), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_decisions_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district', sa.String(length=60), nullable=False))
        batch_op.add_column(sa.Column('required_approvers', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('paused_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False))
        batch_op.create_index(batch_op.f('ix_grant_applications_district'), ['district'], unique=False)

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False))
        batch_op.add_column(sa.Column('tranches', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('approval_tiers', sa.JSON(), nullable=False))
        batch_op.drop_column('supervisor_threshold')



def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_threshold', sa.NUMERIC(precision=14, scale=2), nullable=True))
        batch_op.drop_column('approval_tiers')
        batch_op.drop_column('tranches')
        batch_op.drop_column('budget')

    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_applications_district'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('required_approvers')
        batch_op.drop_column('district')

    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_decisions_application_id'))

    op.drop_table('grant_decisions')
    with op.batch_alter_table('follow_up_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_visits_application_id'))

    op.drop_table('follow_up_visits')
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_programme'))

    op.drop_table('funding')

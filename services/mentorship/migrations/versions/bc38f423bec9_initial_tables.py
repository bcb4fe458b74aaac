"""initial tables

Revision ID: bc38f423bec9
Revises: 
Create Date: 2026-11-23 13:19:34.281717
"""
from alembic import op
import sqlalchemy as sa

from shared.messaging_migration import create_messaging_tables_v1, drop_messaging_tables_v1


revision = 'bc38f423bec9'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables_v1()
    op.create_table('mentees',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('livelihood_interest', sa.String(length=60), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('consent_active', sa.Boolean(), nullable=False),
    sa.Column('phase_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('participant_id')
    )
    op.create_table('mentors',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=True),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('trade', sa.String(length=60), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('vetted', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_by', sa.String(length=60), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id')
    )
    op.create_table('offers',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('mentor_id', sa.String(length=8), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('proposed_by', sa.String(length=60), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['mentees.participant_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_status'))
        batch_op.drop_index(batch_op.f('ix_offers_participant_id'))
        batch_op.drop_index(batch_op.f('ix_offers_mentor_id'))

    op.drop_table('offers')
    op.drop_table('mentors')
    op.drop_table('mentees')
    drop_messaging_tables_v1()

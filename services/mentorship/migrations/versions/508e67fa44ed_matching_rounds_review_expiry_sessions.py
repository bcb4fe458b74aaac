"""matching rounds, review, expiry, sessions

Revision ID: 508e67fa44ed
Revises: 472ab4f093b5
Create Date: 2026-11-23 15:42:04.977608
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '508e67fa44ed'
down_revision = '472ab4f093b5'
branch_labels = None
depends_on = None

ENDINGS = (("consent withdrawn", "CONSENT_WITHDRAWN"), ("case withdrawn", "CASE_WITHDRAWN"),
           ("case closed", "CASE_CLOSED"))


def upgrade():
    op.create_table('rounds',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=True),
    sa.Column('run_by', sa.String(length=60), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('total_score', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('do_not_match',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('mentor_id', sa.String(length=8), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id', 'mentor_id')
    )
    with op.batch_alter_table('do_not_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_do_not_match_participant_id'), ['participant_id'], unique=False)

    op.create_table('mentoring_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.String(length=8), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_sessions_offer_id'), ['offer_id'], unique=False)

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vetted_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('available_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivation_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('sent_by', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('decline_reason', new_column_name='reason', existing_type=sa.Text())
        batch_op.alter_column('end_reason',
               existing_type=sa.TEXT(),
               type_=sa.String(length=20),
               existing_nullable=True)
        batch_op.create_index(batch_op.f('ix_offers_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key('fk_offers_round_id_rounds', 'rounds', ['round_id'], ['id'])

    # Offers made before rounds were sent to their mentor when proposed, and expire after the
    # default 14 days like any other; endings become codes.
    op.execute("UPDATE offers SET sent_by = proposed_by, sent_at = proposed_at")
    offers = sa.table("offers", sa.column("id"), sa.column("status"), sa.column("proposed_at", sa.DateTime(timezone=True)),
                      sa.column("expires_at", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    for offer_id, proposed_at in connection.execute(
            sa.select(offers.c.id, offers.c.proposed_at).where(offers.c.status == "PROPOSED")).all():
        connection.execute(sa.update(offers).where(offers.c.id == offer_id)
                           .values(expires_at=proposed_at + timedelta(days=14)))
    for text, code in ENDINGS:
        op.execute(sa.text("UPDATE offers SET end_reason = :code WHERE end_reason = :text")
                   .bindparams(code=code, text=text))



def downgrade():
    for text, code in ENDINGS:
        op.execute(sa.text("UPDATE offers SET end_reason = :text WHERE end_reason = :code")
                   .bindparams(code=code, text=text))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_offers_round_id_rounds', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_offers_round_id'))
        batch_op.alter_column('end_reason',
               existing_type=sa.String(length=20),
               type_=sa.TEXT(),
               existing_nullable=True)
        batch_op.alter_column('reason', new_column_name='decline_reason', existing_type=sa.Text())
        batch_op.drop_column('expires_at')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('sent_by')
        batch_op.drop_column('round_id')

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_column('deactivation_reason')
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('available_from')
        batch_op.drop_column('vetted_until')

    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_sessions_offer_id'))

    op.drop_table('mentoring_sessions')
    with op.batch_alter_table('do_not_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_do_not_match_participant_id'))

    op.drop_table('do_not_match')
    op.drop_table('rounds')

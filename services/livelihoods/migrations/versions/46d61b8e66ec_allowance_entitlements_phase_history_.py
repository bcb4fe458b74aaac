"""allowance entitlements, phase history, stray answers

An allowance is owed per entitlement (programme, month, participant), unique across every
cycle, with attempts under it (at most one not FAILED); a month may now have more than one
cycle (a later one pays only who was not in an earlier one). Existing payments get their
entitlements; programmes start on the day they were created.

Revision ID: 46d61b8e66ec
Revises: 21902739f2be
Create Date: 2026-11-30 19:51:05.261300
"""
from alembic import op
import sqlalchemy as sa


revision = '46d61b8e66ec'
down_revision = '21902739f2be'
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'FAILED'")


def _drop_one_cycle_per_month():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("allowance_cycles", naming_convention={
                "uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch_op:
            batch_op.drop_constraint("uq_allowance_cycles_programme", type_="unique")
        return
    [name] = [c["name"] for c in sa.inspect(bind).get_unique_constraints("allowance_cycles")
              if c["column_names"] == ["programme", "month"]]
    op.drop_constraint(name, "allowance_cycles", type_="unique")


def _backfill():
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO allowance_entitlements (programme, month, participant_id, cycle_id) "
        "SELECT c.programme, c.month, p.participant_id, MIN(c.id) FROM allowance_payments p "
        "JOIN allowance_cycles c ON c.id = p.cycle_id GROUP BY c.programme, c.month, p.participant_id"))
    bind.execute(sa.text(
        "UPDATE allowance_payments SET entitlement_id = (SELECT e.id FROM allowance_entitlements e "
        "JOIN allowance_cycles c ON c.programme = e.programme AND c.month = e.month "
        "WHERE c.id = allowance_payments.cycle_id AND e.participant_id = allowance_payments.participant_id)"))
    for code, created_at in bind.execute(sa.text("SELECT code, created_at FROM programmes")).all():
        day = created_at if isinstance(created_at, str) else created_at.date().isoformat()
        bind.execute(sa.text("UPDATE programmes SET starts_on = :day WHERE code = :code"),
                     {"day": day[:10], "code": code})


def _sqlite_copies_tables_under_their_children(enabled: bool):
    """SQLite alters a table by copying it: a parent's copy must not cascade into its children."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def upgrade():
    _sqlite_copies_tables_under_their_children(False)
    op.create_table('phase_history',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('participant_id', 'since')
    )
    with op.batch_alter_table('phase_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_history_phase'), ['phase'], unique=False)

    op.create_table('stray_answers',
    sa.Column('disbursement_id', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('disbursement_id', 'idempotency_key', 'outcome')
    )
    op.create_table('allowance_entitlements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('cycle_id', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['allowance_cycles.id'], ),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme', 'month', 'participant_id',
                        name='uq_allowance_entitlements_programme_month_participant')
    )
    with op.batch_alter_table('allowance_entitlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allowance_entitlements_cycle_id'), ['cycle_id'], unique=False)

    _drop_one_cycle_per_month()
    with op.batch_alter_table('allowance_cycles', schema=None) as batch_op:
        batch_op.create_index('ix_allowance_cycles_programme_month', ['programme', 'month'], unique=False)

    with op.batch_alter_table('allowance_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entitlement_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
    _backfill()
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.alter_column('starts_on', existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table('allowance_payments', schema=None) as batch_op:
        batch_op.alter_column('entitlement_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_allowance_payments_entitlement_attempt', ['entitlement_id', 'attempt'])
        batch_op.create_foreign_key('fk_allowance_payments_entitlement_id', 'allowance_entitlements',
                                    ['entitlement_id'], ['id'])
    op.create_index('uq_allowance_payments_live_attempt', 'allowance_payments', ['entitlement_id'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    _sqlite_copies_tables_under_their_children(True)


def downgrade():
    _sqlite_copies_tables_under_their_children(False)
    op.drop_index('uq_allowance_payments_live_attempt', table_name='allowance_payments')
    with op.batch_alter_table('allowance_payments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_allowance_payments_entitlement_id', type_='foreignkey')
        batch_op.drop_constraint('uq_allowance_payments_entitlement_attempt', type_='unique')
        batch_op.drop_column('entitlement_id')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('starts_on')
    with op.batch_alter_table('allowance_cycles', schema=None) as batch_op:
        batch_op.drop_index('ix_allowance_cycles_programme_month')
        batch_op.create_unique_constraint('uq_allowance_cycles_programme', ['programme', 'month'])
    with op.batch_alter_table('allowance_entitlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allowance_entitlements_cycle_id'))
    op.drop_table('allowance_entitlements')
    op.drop_table('stray_answers')
    with op.batch_alter_table('phase_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_history_phase'))
    op.drop_table('phase_history')
    _sqlite_copies_tables_under_their_children(True)

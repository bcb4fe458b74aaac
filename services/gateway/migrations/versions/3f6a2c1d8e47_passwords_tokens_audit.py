"""passwords, expiring tokens, lock-out and the append-only audit trail

Revision ID: 3f6a2c1d8e47
Revises: d9189272f5c6
Create Date: 2026-11-24 09:00:00

Tokens move from `users` to their own table with an expiry; a token issued before this
migration keeps working for the default lifetime (480 minutes) from the upgrade, time for its
owner to set a password (POST /auth/password).
"""
from alembic import op
import sqlalchemy as sa


revision = '3f6a2c1d8e47'
down_revision = 'd9189272f5c6'
branch_labels = None
depends_on = None

REFUSE = "audit_events is append-only"


def upgrade():
    op.create_table('tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['users.username'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_tokens_username'), 'tokens', ['username'], unique=False)
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=200), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('outcome', sa.String(length=60), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index(op.f('ix_audit_events_username'), 'audit_events', ['username'], unique=False)
    _refuse_changes_to_audit_events()
    now = sa.func.current_timestamp()
    users = sa.table('users', sa.column('username'), sa.column('token_hash'))
    tokens = sa.table('tokens', sa.column('token_hash'), sa.column('username'), sa.column('issued_at'),
                      sa.column('expires_at'))
    op.execute(tokens.insert().from_select(
        ['token_hash', 'username', 'issued_at', 'expires_at'],
        sa.select(users.c.token_hash, users.c.username, now, _in_480_minutes())))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('token_hash')


def _in_480_minutes():
    if op.get_bind().dialect.name == 'sqlite':
        return sa.text("strftime('%Y-%m-%d %H:%M:%f', 'now', '+480 minutes')")
    return sa.text("now() + interval '480 minutes'")


def _refuse_changes_to_audit_events():
    if op.get_bind().dialect.name == 'sqlite':
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END")
        return
    op.execute("CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{REFUSE}'; END $$")
    op.execute("CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
               "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()")
    op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()")


def downgrade():
    """Back to one token per account: the newest live one, or none that can match."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
    op.execute("UPDATE users SET token_hash = (SELECT max(token_hash) FROM tokens "
               "WHERE tokens.username = users.username AND tokens.revoked_at IS NULL)")
    op.execute("UPDATE users SET token_hash = 'none-' || username WHERE token_hash IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('users_token_hash_key', ['token_hash'])
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('password_hash')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    op.drop_index(op.f('ix_audit_events_username'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_table('audit_events')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_events_refuse()")
    op.drop_index(op.f('ix_tokens_username'), table_name='tokens')
    op.drop_table('tokens')

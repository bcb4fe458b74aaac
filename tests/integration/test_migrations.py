"""Every service's migrations build exactly its models, go down and up again, on SQLite
and on PostgreSQL."""
import pytest
from alembic import command
from sqlalchemy import text

from services.cli import SERVICES
from services.livelihoods.partner_keys import PartnerKeys
from shared.config import load
from shared.db import make_engine
from shared.migrations import alembic_config


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models_and_reverse(base_config, service):
    config = alembic_config(service, base_config["DATABASES"][service])
    command.check(config)  # raises if the models differ from what the migrations built
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_sealing_partner_secrets_keeps_partners_and_their_referrals(base_config):
    """Sealing widens `partners` columns; on SQLite that copies the table under its referrals."""
    url = base_config["DATABASES"]["livelihoods"]
    config = alembic_config("livelihoods", url)
    command.downgrade(config, "46d61b8e66ec")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO partners VALUES ('MFI1', 'n', '[]', '[]', 'x', 'https://mfi.example', 'plain-secret', "
            "NULL, 'admin', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO referrals (id, participant_id, partner, product, trade, district, gender, status, "
            "consent_given_on, consent_recorded_by, created_by, created_at, delivery_status, delivery_attempts) "
            "VALUES ('R-1', 'P-AAAAAA', 'MFI1', 'loan', 'tailoring', 'Kismayo', 'F', 'REFERRED', '2026-01-01', "
            "'officer', 'officer', '2026-01-01', 'PENDING', 0)"))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        secret = connection.scalar(text("SELECT webhook_secret FROM partners"))
        assert secret != "plain-secret" and PartnerKeys.from_config(load()).open(secret) == "plain-secret"
        assert connection.scalar(text("SELECT partner FROM referrals")) == "MFI1"
    engine.dispose()

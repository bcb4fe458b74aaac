"""`ddrr rotate-partner-key`: partners' secrets sealed with a previous key are sealed again
with the current one, after which the previous key is no longer needed."""
import os
import subprocess
import sys

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import referrals
from services.livelihoods.partner_keys import PartnerKeys
from services.livelihoods.referral_models import Partner
from services.livelihoods.referral_schemas import CreatePartner
from shared.db import make_engine
from shared.validation import parse


def test_rotation_reseals_every_partner_with_the_current_key(base_config):
    url = base_config["DATABASES"]["livelihoods"]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        _partner, secret = referrals.create_partner(session, parse(CreatePartner, {
            "code": "KMFI", "name": "Kismayo Microfinance", "products": ["savings"], "districts": ["Kismayo"],
            "api_url": "https://kmfi.example/referrals", "api_token": "partner-issued-token-123"}), "admin",
            PartnerKeys(old))
    env = {**os.environ, "LIVELIHOODS_DATABASE_URL": url, "PARTNER_SECRETS_KEY": new,
           "PARTNER_SECRETS_PREVIOUS_KEYS": old}
    done = subprocess.run([sys.executable, "-m", "services.cli", "rotate-partner-key"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1 partner(s)" in done.stdout
    with Session(engine) as session:
        partner = session.scalar(select(Partner))
        assert PartnerKeys(new).open(partner.webhook_secret) == secret
        assert PartnerKeys(new).open(partner.api_token) == "partner-issued-token-123"
    engine.dispose()

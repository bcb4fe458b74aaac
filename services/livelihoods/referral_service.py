"""Microfinance referral entrypoints, mixed into LivelihoodsService (which provides `db`).

Entrypoints only; the rules are in `referrals`, the HTTP delivery in `partner_client`.
Delivery runs between two transactions: the referral is committed first, the partner is
called with no database transaction open, and the outcome is written afterwards.
"""
from datetime import timedelta

from nameko.dependency_providers import Config
from shared.rpc import rpc

from services.livelihoods import partner_client, referrals
from services.livelihoods.partner_keys import PartnerKeys
from services.livelihoods.referral_schemas import CreatePartner, CreateReferral
from shared.validation import parse

# A PENDING delivery older than the worst case of one delivery plus this margin was
# abandoned (its process died) and may be retried.
STALE_MARGIN = timedelta(seconds=60)


class ReferralEntrypoints:
    config = Config()

    def _settings(self) -> partner_client.Settings:
        return partner_client.Settings.from_config(self.config)

    def _keys(self) -> PartnerKeys:
        return PartnerKeys.from_config(self.config)

    def _deliver_and_describe(self, referral_id: str, job) -> dict:
        if job is not None:
            outcome = partner_client.deliver(job, self._settings())
            with self.db.transaction():
                referrals.record_delivery(self.db.session, job, outcome)
        with self.db.transaction():
            return referrals.describe(self.db.session, referrals.load(self.db.session, referral_id))

    @rpc
    def create_partner(self, data, actor):
        """The answer carries the webhook secret: the only time it leaves this service."""
        command = parse(CreatePartner, data)
        with self.db.transaction():
            partner, secret = referrals.create_partner(self.db.session, command, actor, self._keys())
            return {**referrals.describe_partner(partner), "webhook_secret": secret}

    @rpc
    def list_partners(self):
        with self.db.transaction():
            return [referrals.describe_partner(p) for p in referrals.all_partners(self.db.session)]

    @rpc
    def referral_participant(self, participant_id):
        """The participant's district, for the gateway's district scope before a referral."""
        with self.db.transaction():
            facts = referrals.participant(self.db.session, participant_id)
            return {"participant_id": facts.participant_id, "district": facts.district}

    @rpc
    def create_referral(self, data, actor):
        command = parse(CreateReferral, data)
        with self.db.transaction():
            referral = referrals.create_referral(self.db.session, command, actor)
            job = referrals.delivery_job(self.db.session, referral, self._keys())
        return self._deliver_and_describe(referral.id, job)

    @rpc
    def retry_referral_delivery(self, referral_id):
        stale_after = timedelta(seconds=self._settings().worst_case_seconds()) + STALE_MARGIN
        with self.db.transaction():
            job = referrals.claim_retry(self.db.session, referral_id, stale_after, self._keys())
        return self._deliver_and_describe(referral_id, job)

    @rpc
    def get_referral(self, referral_id):
        with self.db.transaction():
            return referrals.describe(self.db.session, referrals.load(self.db.session, referral_id))

    @rpc
    def printable_referral(self, referral_id):
        with self.db.transaction():
            return {"referral_id": referral_id, "text": referrals.letter(self.db.session, referral_id)}

    @rpc
    def partner_status_update(self, partner_code, raw_body_text, signature):
        with self.db.transaction():
            referral, changed = referrals.partner_status_update(self.db.session, partner_code, raw_body_text,
                                                                signature, self._keys())
            return {"referral_id": referral.id, "status": referral.status, "changed": changed}

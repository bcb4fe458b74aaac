"""Participants' payment accounts at the HTTP edge: an officer of the participant's district
sets one, has the provider check it, and reads it masked with its history. The number
itself never comes back out of the API (only the payment adapter resolves it, over RPC)."""
from services.enrollment.payment_schemas import SetPaymentAccount
from services.gateway.routes import DISTRICT, api, body
from services.gateway.schemas import Empty

OFFICER = {"officer"}
PATH = "/participants/<participant_id>/payment-account"


class PayeeRoutes:
    """Mixed into the gateway service; uses its `enrollment` RPC proxy."""

    @api("PUT", PATH, roles=OFFICER, body=SetPaymentAccount, scope=DISTRICT)
    def set_payment_account(self, user, data, participant_id):
        """Set or replace where the participant is paid: a mobile-money number and provider, or
        a bank account. A changed account must be verified again before anything is paid to it."""
        return self.enrollment.set_payment_account(participant_id, body(data), user.username)

    @api("POST", PATH + "/verify", roles=OFFICER, body=Empty, scope=DISTRICT)
    def verify_payment_account(self, user, data, participant_id):
        """Ask the provider whether the account exists and is held in the participant's name
        (503 PROVIDER_UNAVAILABLE, nothing changed, when it does not answer)."""
        return self.enrollment.verify_payment_account(participant_id, user.username)

    @api("GET", PATH, roles=OFFICER, scope=DISTRICT)
    def get_payment_account(self, user, participant_id):
        """The account masked (kind, provider, verification) and every change and check."""
        return self.enrollment.get_payment_account(participant_id)

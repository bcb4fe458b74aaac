"""Microfinance partners and referrals at the HTTP edge, and the partners' webhook."""
from services.gateway.http_errors import json_response
from services.gateway.schemas import Empty
from services.gateway.routes import DISTRICT, PUBLIC, ROUTES, ApiEntrypoint, CsvUpload, Route, api, body, read_body
from services.livelihoods import referral_schemas
from shared.errors import Unauthenticated, ValidationFailed

SIGNATURE_HEADER = "X-DDRR-Signature"
WEBHOOK_MAX_BYTES = 65536  # a status report is a few hundred bytes; the body travels before it is verified
WEBHOOK_PATH = "/partners/<partner_code>/webhook"


class ReferralRoutes:
    """Mixed into the gateway service; uses its `livelihoods` RPC proxy."""

    @api("POST", "/partners", roles={"admin"}, body=referral_schemas.CreatePartner, status=201)
    def create_partner(self, user, data):
        """Register a bank or microfinance institution; its webhook secret is shown only here."""
        return self.livelihoods.create_partner(body(data), user.username)

    @api("GET", "/partners", roles={"officer", "supervisor", "admin"})
    def list_partners(self, user):
        """Partner institutions with their products and districts (never their secrets)."""
        return self.livelihoods.list_partners()

    @api("POST", "/referrals", roles={"officer"}, body=referral_schemas.CreateReferral, status=201, scope=DISTRICT,
         creates="referral_id")
    def create_referral(self, user, data):
        """Refer a participant to a partner with their consent to share the referral's data."""
        return self.livelihoods.create_referral(body(data), user.username)

    @api("GET", "/referrals/<referral_id>", roles={"officer", "supervisor"}, scope=DISTRICT)
    def get_referral(self, user, referral_id):
        """A referral with its status history and delivery."""
        return self.livelihoods.get_referral(referral_id)

    @api("GET", "/referrals/<referral_id>/letter", roles={"officer"}, scope=DISTRICT)
    def referral_letter(self, user, referral_id):
        """The printable referral letter (pseudonymous data only)."""
        return self.livelihoods.printable_referral(referral_id)

    @api("POST", "/referrals/<referral_id>/retry", roles={"officer"}, body=Empty, scope=DISTRICT)
    def retry_referral(self, user, data, referral_id):
        """Send a referral whose delivery failed to the partner again."""
        return self.livelihoods.retry_referral_delivery(referral_id)

    @ApiEntrypoint.decorator("POST", WEBHOOK_PATH)
    def partner_webhook(self, request, partner_code):
        """A partner reports a referral's status; the raw body is verified in livelihoods."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Unauthenticated(f"missing {SIGNATURE_HEADER}")
        raw = read_body(request, CsvUpload, {"max_import_bytes": WEBHOOK_MAX_BYTES})
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("body is not UTF-8") from None
        return json_response(self.livelihoods.partner_status_update(partner_code, text, signature))


ROUTES.append(Route(
    "POST", WEBHOOK_PATH, PUBLIC, referral_schemas.PartnerStatusUpdate, None,
    "A partner reports a referral's status (ACKNOWLEDGED, ACCOUNT_OPENED, LOAN_APPROVED, DECLINED).\n"
    f"Signed: header {SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body with the partner's secret>.",
    200))

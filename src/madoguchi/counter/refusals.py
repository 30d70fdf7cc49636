"""Why the counter will not do something: one :class:`CounterRefused` per reason, codes
``counter_*`` (listed in docs/api.md "Error codes"). Messages speak to the clerk, except
:class:`ChannelNotOffered`, which the resident may see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused


class CounterRefused(Refused):
    """A counter action that cannot be carried out."""

    abstract = True


class CounterNotAllowed(CounterRefused):
    code = "counter_not_allowed"
    status = 403
    default_message = _("Your role can read applications but not serve residents at the counter.")


class NoDepartment(CounterRefused):
    code = "counter_no_department"
    status = 403
    default_message = _(
        "You belong to no department, so you cannot open a visit. Ask an administrator."
    )


class UnknownReference(CounterRefused):
    code = "counter_unknown_reference"
    status = 404
    default_message = _(
        "No pre-registration has this number. Check the number with the resident, or start "
        "a visit without pre-registration."
    )


class OtherMunicipality(CounterRefused):
    code = "counter_other_municipality"
    status = 403
    default_message = _(
        "This pre-registration is for another municipality. Tell the resident which "
        "municipality it was made for."
    )


class OtherDepartment(CounterRefused):
    code = "counter_other_department"
    status = 403
    default_message = _(
        "This pre-registration is for a department you do not handle. Send the resident to "
        "the counter of the department in charge."
    )


class PreregistrationExpired(CounterRefused):
    code = "counter_expired"
    status = 410
    default_message = _(
        "This pre-registration has expired and its answers were deleted. Start a visit "
        "without pre-registration and fill the form with the resident."
    )


class AlreadyCheckedIn(CounterRefused):
    code = "counter_already_checked_in"
    status = 409
    default_message = _("This pre-registration was already checked in at a counter.")


class VisitClosed(CounterRefused):
    code = "counter_visit_closed"
    status = 409
    default_message = _("This visit is closed. Open a new visit.")


class NotConfirmed(CounterRefused):
    code = "counter_not_confirmed"
    status = 409
    default_message = _(
        "The resident has not confirmed these answers. Show them on the resident display "
        "and ask the resident to confirm; any change after the confirmation needs a new one."
    )


class IdentityNotChecked(CounterRefused):
    code = "counter_identity_not_checked"
    status = 409
    default_message = _(
        "The resident's identity has not been checked. Read the My Number Card or record "
        "the documents shown."
    )


class AlreadySubmitted(CounterRefused):
    code = "counter_already_submitted"
    status = 409
    default_message = _("This application was already accepted or cancelled.")


class NoDocuments(CounterRefused):
    code = "counter_no_documents"
    status = 422
    default_message = _("Tick at least one identity document the resident showed.")


class ReasonRequired(CounterRefused):
    code = "counter_reason_required"
    status = 422
    default_message = _("Say why the answers are changed (for example: the resident asked).")


class ChannelNotOffered(CounterRefused):
    code = "counter_channel_not_offered"
    status = 409
    default_message = _("This form cannot be pre-registered for the counter.")


class OnPaper(CounterRefused):
    code = "counter_on_paper"
    status = 409
    default_message = _(
        "This application continues on paper: its paper was printed for the resident to sign. "
        "Take the signed paper in at Mail-in intake (/staff/mail/); it cannot also be changed "
        "or accepted at the counter."
    )

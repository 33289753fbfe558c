"""The access policy: the one place that answers "may this user do this to this object?".

Views, API, CLI and services all ask `can()` or `require()`. An unknown action is a
programming error and raises, so a typo never silently grants or denies.
"""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from klinika.accounts.roles import Role

R = Role
ACTIONS: dict[str, tuple[set, str]] = {
    "patients.search": ({R.REGISTRAR, R.DOCTOR, R.NURSE, R.CLINIC_ADMIN}, _("Find patients")),
    "patients.register": ({R.REGISTRAR, R.CLINIC_ADMIN}, _("Register patients")),
    "patients.view_demographics": ({R.REGISTRAR, R.DOCTOR, R.NURSE, R.CLINIC_ADMIN}, _("See patients' details")),
    "patients.edit": ({R.REGISTRAR, R.CLINIC_ADMIN}, _("Correct patients' details")),
    "patients.merge": ({R.CLINIC_ADMIN}, _("Merge duplicate patient records")),
    "patients.share_pesel": ({R.CLINIC_ADMIN}, _("Record a PESEL the registry issued to two people")),
    "records.view_clinical": ({R.DOCTOR, R.NURSE}, _("Read visit records")),
    "records.write": ({R.DOCTOR}, _("Write and sign visit records")),
    "records.vitals": ({R.DOCTOR, R.NURSE}, _("Record vital signs")),
    "records.allergies": ({R.DOCTOR, R.NURSE}, _("Record allergies")),
    "records.attach": ({R.DOCTOR, R.NURSE}, _("Attach scans and laboratory results")),
    "edocs.issue": ({R.DOCTOR}, _("Issue e-prescriptions, e-referrals and e-sick-leave")),
    "schedule.view": ({R.REGISTRAR, R.DOCTOR, R.NURSE, R.CLINIC_ADMIN}, _("See schedules")),
    "schedule.book": ({R.REGISTRAR, R.CLINIC_ADMIN}, _("Book appointments")),
    "schedule.check_in": ({R.REGISTRAR, R.NURSE, R.CLINIC_ADMIN}, _("Check patients in")),
    "schedule.complete": ({R.DOCTOR, R.NURSE}, _("Mark visits done or missed")),
    "schedule.view_reason": ({R.DOCTOR, R.NURSE}, _("Read the reason for a visit")),
    "schedule.manage": ({R.CLINIC_ADMIN}, _("Set up schedules, rooms and visit types")),
    "staff.view": ({R.REGISTRAR, R.DOCTOR, R.NURSE, R.CLINIC_ADMIN, R.DPO}, _("See the clinic's staff")),
    "staff.manage": ({R.CLINIC_ADMIN}, _("Manage staff accounts")),
    "accounts.reset_two_factor": ({R.CLINIC_ADMIN}, _("Reset a staff member's lost two-factor authenticator")),
    "support.grant": ({R.CLINIC_ADMIN}, _("Grant time-boxed vendor support access")),
    "support.use": ({R.VENDOR_OPERATOR}, _("Work in a clinic that granted support access")),
    "accounts.api_tokens": ({R.REGISTRAR, R.DOCTOR, R.NURSE, R.CLINIC_ADMIN, R.DPO},
                            _("Create API tokens for integrations")),
    "audit.view_access_log": ({R.DPO, R.CLINIC_ADMIN}, _("See who accessed a patient's record")),
    "audit.verify": ({R.DPO, R.VENDOR_OPERATOR}, _("Verify the audit trail")),
    "breach.manage": ({R.DPO}, _("Handle data breach incidents")),
    "retention.manage": ({R.DPO, R.CLINIC_ADMIN},
                         _("Approve destroying documentation past its retention period; place legal holds")),
    "breach.view": ({R.DPO, R.CLINIC_ADMIN}, _("See data breach incidents and their reports")),
    "clinic.create": ({R.VENDOR_OPERATOR}, _("Create clinics")),
    "keys.rotate": ({R.VENDOR_OPERATOR}, _("Rotate a clinic's keys")),
    "lifecycle.termination": ({R.CLINIC_ADMIN},
                              _("Follow the contract's termination and download the deletion certificate")),
    "clinic.export": ({R.CLINIC_ADMIN}, _("Export all of the clinic's data (handover)")),
}

# Actions that reach personal data of a clinic's people: never for a vendor operator.
PERSONAL_DATA_ACTIONS = {a for a in ACTIONS if a.split(".")[0] in {"patients", "records", "edocs", "breach"}}

# What a vendor operator may do inside a clinic while a support grant of that clinic is in
# force (see accounts/support.py): look, never change; every step is audited.
SUPPORT_ACTIONS = {"patients.search", "patients.view_demographics", "schedule.view", "audit.verify"}


def can(user, action: str, obj=None) -> bool:
    try:
        roles, _label = ACTIONS[action]
    except KeyError:
        raise LookupError(f"Unknown policy action {action!r}; add it to klinika.accounts.policy.ACTIONS") from None
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    clinic_id = user.clinic_id
    if user.role not in roles:
        # A vendor operator under a support grant: the grant's clinic, read-only actions.
        clinic_id = getattr(user, "support_clinic_id", None)
        if user.role != R.VENDOR_OPERATOR or clinic_id is None or action not in SUPPORT_ACTIONS:
            return False
    if obj is not None:
        obj_clinic = getattr(obj, "clinic_id", None)
        if obj_clinic is None or obj_clinic != clinic_id:
            return False
    return True


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You may not do this."))


def allowed_actions(user) -> list[tuple[str, str]]:
    return [(name, label) for name, (roles, label) in ACTIONS.items() if can(user, name)]

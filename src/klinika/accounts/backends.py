from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Password login for active users of active clinics."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        clinic = user.clinic
        return clinic is None or clinic.status == clinic.Status.ACTIVE

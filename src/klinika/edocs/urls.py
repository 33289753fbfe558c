from django.urls import path, register_converter

from klinika.edocs import views


class DocKindConverter:
    """rx (a prescription package, or one prescription when cancelling), ref, zla."""

    regex = "rx|ref|zla"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(DocKindConverter, "edockind")

app_name = "edocs"
urlpatterns = [
    path("encounters/<int:encounter_id>/", views.encounter_page, name="encounter"),
    path("encounters/<int:encounter_id>/panel/", views.panel, name="panel"),
    path("encounters/<int:encounter_id>/prescriptions/new/", views.new_prescription, name="new-prescription"),
    path("encounters/<int:encounter_id>/referrals/new/", views.new_referral, name="new-referral"),
    path("encounters/<int:encounter_id>/sick-leaves/new/", views.new_sick_leave, name="new-sick-leave"),
    path("patients/<int:patient_id>/current/", views.current, name="current"),
    path("<edockind:kind>/<int:unit_id>/sign/", views.sign, name="sign"),
    path("<edockind:kind>/<int:unit_id>/submit/", views.submit, name="submit"),
    path("<edockind:kind>/<int:unit_id>/notify/", views.notify, name="notify"),
    path("<edockind:kind>/<int:unit_id>/print/", views.printout, name="print"),
    path("<edockind:kind>/<int:unit_id>/history/", views.history, name="history"),
    path("<edockind:kind>/<int:document_id>/cancel/", views.cancel, name="cancel"),
    path("zla/<int:document_id>/reissue/", views.reissue_sick_leave, name="reissue"),
    path("drugs/", views.drugs, name="drugs"),
    path("drugs/row/", views.drug_row, name="drug-row"),
    path("codes/", views.codes, name="codes"),
    path("codes/pick/", views.code_pick, name="code-pick"),
]

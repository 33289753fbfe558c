from django.urls import path

from klinika.records import views

app_name = "records"
urlpatterns = [
    path("encounters/<int:encounter_id>/", views.encounter_page, name="encounter"),
    path("encounters/<int:encounter_id>/save/", views.encounter_save, name="encounter-save"),
    path("encounters/<int:encounter_id>/autosave/", views.encounter_autosave, name="encounter-autosave"),
    path("encounters/<int:encounter_id>/amend/", views.encounter_amend, name="encounter-amend"),
    path("encounters/<int:encounter_id>/versions/", views.encounter_versions, name="encounter-versions"),
    path("appointments/<int:appointment_id>/start/", views.start_from_appointment, name="start-from-appointment"),
    path("patients/<int:patient_id>/", views.patient_page, name="patient"),
    path("patients/<int:patient_id>/start/", views.start_unplanned, name="start-unplanned"),
    path("patients/<int:patient_id>/vitals/", views.vitals_page, name="vitals"),
    path("patients/<int:patient_id>/allergies/", views.allergy_add, name="allergy-add"),
    path("allergies/<int:allergy_id>/inactive/", views.allergy_deactivate, name="allergy-deactivate"),
    path("patients/<int:patient_id>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<uuid:public_id>/", views.attachment_download, name="attachment-download"),
    path("codes/search/", views.code_search, name="code-search"),
    path("codes/row/", views.code_row, name="code-row"),
    path("nothing/", views.nothing, name="nothing"),
]

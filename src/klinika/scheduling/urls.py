from django.urls import path

from klinika.scheduling import booking_views, calendar_views, setup_views, views, waitlist_views

app_name = "scheduling"
urlpatterns = [
    path("", views.index, name="index"),
    path("today/", views.today, name="today"),
    path("my/", views.my_calendar, name="my-calendar"),
    path("practitioners/<int:practitioner_id>/", calendar_views.practitioner_calendar, name="calendar"),
    path("day/", calendar_views.day, name="day"),
    path("book/", booking_views.book, name="book"),
    path("book/confirm/", booking_views.book_confirm, name="book-confirm"),
    path("book/patients/", booking_views.book_patients, name="book-patients"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:appointment_id>/check-in/", views.check_in, name="check-in"),
    path("appointments/<int:appointment_id>/no-show/", views.no_show, name="no-show"),
    path("appointments/<int:appointment_id>/complete/", views.complete, name="complete"),
    path("appointments/<int:appointment_id>/move/", calendar_views.move, name="move"),
    path("appointments/<int:appointment_id>/confirmation.pdf", calendar_views.confirmation, name="confirmation"),
    path("appointments/<int:appointment_id>/reschedule/", booking_views.reschedule, name="reschedule"),
    path("patients/<int:patient_id>/appointments/", views.patient_appointments, name="patient-appointments"),
    path("waitlist/", waitlist_views.waitlist_page, name="waitlist"),
    path("waitlist/<int:entry_id>/accept/", waitlist_views.accept, name="waitlist-accept"),
    path("waitlist/<int:entry_id>/decline/", waitlist_views.decline, name="waitlist-decline"),
    path("waitlist/<int:entry_id>/withdraw/", waitlist_views.withdraw, name="waitlist-withdraw"),
    path("setup/", setup_views.setup, name="setup"),
    path("setup/practitioners/<int:practitioner_id>/", setup_views.practitioner_hours, name="setup-hours"),
    path("setup/practitioners/<int:practitioner_id>/hours/<int:hours_id>/end/", setup_views.end_hours,
         name="setup-hours-end"),
    path("setup/practitioners/<int:practitioner_id>/changes/", setup_views.changes, name="setup-changes"),
    path("setup/practitioners/<int:practitioner_id>/exceptions/<int:exception_id>/remove/",
         setup_views.remove_exception, name="setup-exception-remove"),
]

"""The reply links in reminders and waitlist offers: /r/<token>/, opened by patients, who have no login."""
from django.urls import path

from klinika.scheduling import reminder_views

app_name = "reminders"
urlpatterns = [
    path("<str:token>/", reminder_views.reply, name="reply"),
]

# The lifecycle app's models come in parts (handover, termination, retention); each part's
# migration starts from this one.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [("tenancy", "0001_initial")]
    operations = []

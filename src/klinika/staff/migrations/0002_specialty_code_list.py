"""The national code list of specialties: the ones outpatient clinics use most (codes and Polish names)."""
from django.db import migrations

SPECIALTIES = [
    ("0701", "alergologia", "allergology"),
    ("0702", "anestezjologia i intensywna terapia", "anaesthesiology and intensive care"),
    ("0703", "angiologia", "angiology"),
    ("0705", "choroby wewnętrzne", "internal medicine"),
    ("0706", "choroby zakaźne", "infectious diseases"),
    ("0707", "dermatologia i wenerologia", "dermatology and venereology"),
    ("0708", "diabetologia", "diabetology"),
    ("0710", "endokrynologia", "endocrinology"),
    ("0711", "gastroenterologia", "gastroenterology"),
    ("0712", "geriatria", "geriatrics"),
    ("0713", "medycyna rodzinna", "family medicine"),
    ("0714", "hematologia", "haematology"),
    ("0716", "kardiologia dziecięca", "paediatric cardiology"),
    ("0720", "nefrologia", "nephrology"),
    ("0721", "neonatologia", "neonatology"),
    ("0722", "neurologia", "neurology"),
    ("0723", "pediatria", "paediatrics"),
    ("0724", "położnictwo i ginekologia", "obstetrics and gynaecology"),
    ("0725", "okulistyka", "ophthalmology"),
    ("0727", "ortopedia i traumatologia narządu ruchu", "orthopaedics and traumatology"),
    ("0728", "otorynolaryngologia", "otorhinolaryngology"),
    ("0732", "psychiatria", "psychiatry"),
    ("0734", "reumatologia", "rheumatology"),
    ("0736", "urologia", "urology"),
    ("0738", "chirurgia ogólna", "general surgery"),
    ("0742", "pulmonologia", "pulmonology"),
    ("0748", "kardiologia", "cardiology"),
    ("0750", "endokrynologia ginekologiczna i rozrodczość", "gynaecological endocrinology and reproduction"),
    ("0787", "ginekologia onkologiczna", "gynaecological oncology"),
]


def load(apps, schema_editor):
    Specialty = apps.get_model("staff", "Specialty")
    for code, name, name_en in SPECIALTIES:
        Specialty.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

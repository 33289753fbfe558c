"""The small built-in drug list: common outpatient drugs by their international (Latin) names.

A starting list, not a registry: doctors may always enter a drug by hand. The GTINs are in
GS1's restricted-circulation range (prefix 20), so they are valid numbers (check digit
included) that can never name a real product; a clinic that loads the national registry
gets the real ones.
"""
from django.db import migrations

# name, strength, form, pack size, GTIN, antibiotic, immunological
DRUGS = [
    ('Amoxicillinum', '500 mg', 'kapsułki twarde', '16 szt.', '2005900000011', True, False),
    ('Amoxicillinum', '1000 mg', 'tabletki powlekane', '16 szt.', '2005900000028', True, False),
    ('Amoxicillinum + Acidum clavulanicum', '875 mg + 125 mg', 'tabletki powlekane', '14 szt.', '2005900000035',
     True, False),
    ('Azithromycinum', '500 mg', 'tabletki powlekane', '3 szt.', '2005900000042', True, False),
    ('Clarithromycinum', '500 mg', 'tabletki powlekane', '14 szt.', '2005900000059', True, False),
    ('Cefuroximum', '500 mg', 'tabletki powlekane', '10 szt.', '2005900000066', True, False),
    ('Doxycyclinum', '100 mg', 'kapsułki twarde', '10 szt.', '2005900000073', True, False),
    ('Phenoxymethylpenicillinum', '1 000 000 j.m.', 'tabletki powlekane', '12 szt.', '2005900000080', True, False),
    ('Ciprofloxacinum', '500 mg', 'tabletki powlekane', '10 szt.', '2005900000097', True, False),
    ('Nitrofurantoinum', '100 mg', 'tabletki', '30 szt.', '2005900000103', True, False),
    ('Vaccinum influenzae inactivatum', '0,5 ml', 'zawiesina do wstrzykiwań w ampułkostrzykawce', '1 szt.',
     '2005900000110', False, True),
    ('Vaccinum hepatitidis B', '20 µg/1 ml', 'zawiesina do wstrzykiwań', '1 fiolka', '2005900000127', False, True),
    ('Vaccinum tetani adsorbatum', '0,5 ml', 'zawiesina do wstrzykiwań', '1 ampułka', '2005900000134', False, True),
    ('Vaccinum pneumococcale polysaccharidicum conjugatum', '0,5 ml',
     'zawiesina do wstrzykiwań w ampułkostrzykawce', '1 szt.', '2005900000141', False, True),
    ('Allergeni extractum (pyłek traw)', '100 000 SQ-T/ml', 'zawiesina do wstrzykiwań',
     'zestaw do leczenia początkowego', '2005900000158', False, True),
    ('Allergeni extractum (roztocza kurzu domowego)', '100 000 SQ-U/ml', 'zawiesina do wstrzykiwań',
     'zestaw do leczenia podtrzymującego', '2005900000165', False, True),
    ('Metforminum', '500 mg', 'tabletki powlekane', '60 szt.', '2005900000172', False, False),
    ('Metforminum', '1000 mg', 'tabletki powlekane', '60 szt.', '2005900000189', False, False),
    ('Ramiprilum', '5 mg', 'tabletki', '28 szt.', '2005900000196', False, False),
    ('Perindoprilum', '5 mg', 'tabletki', '30 szt.', '2005900000202', False, False),
    ('Amlodipinum', '5 mg', 'tabletki', '30 szt.', '2005900000219', False, False),
    ('Bisoprololum', '5 mg', 'tabletki powlekane', '30 szt.', '2005900000226', False, False),
    ('Metoprololum', '47,5 mg', 'tabletki o przedłużonym uwalnianiu', '28 szt.', '2005900000233', False, False),
    ('Atorvastatinum', '20 mg', 'tabletki powlekane', '30 szt.', '2005900000240', False, False),
    ('Rosuvastatinum', '10 mg', 'tabletki powlekane', '28 szt.', '2005900000257', False, False),
    ('Hydrochlorothiazidum', '12,5 mg', 'tabletki', '30 szt.', '2005900000264', False, False),
    ('Furosemidum', '40 mg', 'tabletki', '30 szt.', '2005900000271', False, False),
    ('Levothyroxinum natricum', '50 µg', 'tabletki', '50 szt.', '2005900000288', False, False),
    ('Acidum acetylsalicylicum', '75 mg', 'tabletki dojelitowe', '60 szt.', '2005900000295', False, False),
    ('Pantoprazolum', '20 mg', 'tabletki dojelitowe', '28 szt.', '2005900000301', False, False),
    ('Omeprazolum', '20 mg', 'kapsułki dojelitowe twarde', '28 szt.', '2005900000318', False, False),
    ('Salbutamolum', '100 µg/dawkę', 'aerozol inhalacyjny, zawiesina', '200 dawek', '2005900000325', False, False),
    ('Budesonidum', '200 µg/dawkę', 'proszek do inhalacji', '100 dawek', '2005900000332', False, False),
    ('Ibuprofenum', '400 mg', 'tabletki powlekane', '30 szt.', '2005900000349', False, False),
    ('Paracetamolum', '500 mg', 'tabletki', '50 szt.', '2005900000356', False, False),
    ('Metamizolum natricum', '500 mg', 'tabletki', '20 szt.', '2005900000363', False, False),
    ('Cetirizinum', '10 mg', 'tabletki powlekane', '30 szt.', '2005900000370', False, False),
    ('Desloratadinum', '5 mg', 'tabletki powlekane', '30 szt.', '2005900000387', False, False),
    ('Sertralinum', '50 mg', 'tabletki powlekane', '28 szt.', '2005900000394', False, False),
    ('Acidum folicum', '0,4 mg', 'tabletki', '30 szt.', '2005900000400', False, False),
    ('Progesteronum', '100 mg', 'kapsułki dopochwowe', '30 szt.', '2005900000417', False, False),
    ('Insulinum glarginum', '100 j./ml', 'roztwór do wstrzykiwań we wstrzykiwaczu', '5 wstrzykiwaczy po 3 ml',
     '2005900000424', False, False),
]


def add_drugs(apps, schema_editor):
    Drug = apps.get_model("edocs", "Drug")
    Drug.objects.bulk_create([
        Drug(name=name, strength=strength, form=form, pack_size=pack, gtin=gtin, is_antibiotic=antibiotic,
             is_immunological=immunological)
        for name, strength, form, pack, gtin, antibiotic, immunological in DRUGS
    ])


def remove_drugs(apps, schema_editor):
    apps.get_model("edocs", "Drug").objects.filter(gtin__in=[row[4] for row in DRUGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("edocs", "0004_submission_schedule")]

    operations = [migrations.RunPython(add_drugs, remove_drugs)]

from django.db import migrations, models


class Migration(migrations.Migration):
    """Events written so far keep their plain SHA-256 links (version 1). The keystore records, per
    chain, where keyed links begin (crypto.AuditChainStart), the first time the chain is appended to."""

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="link_version",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="keyed_from",
            field=models.PositiveBigIntegerField(null=True),
        ),
    ]

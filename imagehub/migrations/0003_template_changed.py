"""When anything the template list shows of a template last changed, for the list's cache."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imagehub', '0002_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='packertemplate',
            name='changed',
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
    ]

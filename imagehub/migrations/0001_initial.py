"""The catalog's tables: labels, templates, versions and files.

Foreign keys come before the large text columns, so that SQLite reads them
without walking a row's overflow pages.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import imagehub.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Label',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True, validators=[imagehub.models.validate_label])),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='PackerTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True)),
                ('slug', models.SlugField(max_length=100, unique=True)),
                ('description', models.TextField(blank=True)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('labels', models.ManyToManyField(blank=True, related_name='templates', to='imagehub.label')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='packer_templates', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='TemplateVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('template', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='imagehub.packertemplate')),
                ('number', models.PositiveIntegerField()),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('message', models.CharField(blank=True, max_length=200)),
                ('content_hash', models.CharField(max_length=64)),
                ('restored_from', models.PositiveIntegerField(blank=True, null=True)),
                ('is_valid', models.BooleanField()),
                ('error_count', models.PositiveIntegerField(default=0)),
                ('warning_count', models.PositiveIntegerField(default=0)),
                ('diagnostics', models.JSONField(blank=True, default=list)),
                ('summary', models.JSONField(blank=True, null=True)),
            ],
            options={
                'ordering': ['template', '-number'],
                'get_latest_by': 'number',
            },
        ),
        migrations.CreateModel(
            name='TemplateFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='imagehub.templateversion')),
                ('name', models.CharField(max_length=100, validators=[imagehub.models.validate_file_name])),
                ('content', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['version', 'name'],
            },
        ),
        migrations.AddField(
            model_name='packertemplate',
            name='latest_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='imagehub.templateversion'),
        ),
        migrations.AddIndex(
            model_name='packertemplate',
            index=models.Index(django.db.models.functions.text.Lower('name'), name='imagehub_template_lower_name'),
        ),
        migrations.AddConstraint(
            model_name='templateversion',
            constraint=models.UniqueConstraint(fields=('template', 'number'), name='unique_template_version_number'),
        ),
        migrations.AddConstraint(
            model_name='templatefile',
            constraint=models.UniqueConstraint(fields=('version', 'name'), name='unique_template_file_name'),
        ),
    ]

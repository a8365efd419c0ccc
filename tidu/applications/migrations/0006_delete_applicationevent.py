from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_fold_events_into_audit"), ("review", "0002_fold_events_into_audit")]
    operations = [migrations.DeleteModel(name="ApplicationEvent")]

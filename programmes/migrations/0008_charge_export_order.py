"""The finance export's order as an index (partnership, financial year, invoice date, school, charge date, id): the
export's 100,000 lines of a large partnership's year are read in that order, with no sort (which spilled to disk)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("programmes", "0007_school_place_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="chargeline",
            index=models.Index(fields=["partnership", "financial_year", "invoice_date", "school", "charge_date", "id"],
                               name="charge_export_order"),
        ),
    ]

"""Create (once) the survey form page with the same fields as Madoguchi's shimin-anketo."""

from django.core.management.base import BaseCommand
from wagtail.models import Page, Site

from surveys.models import FormField, FormPage

WARDS = "higashinada,nada,chuo,hyogo,kita,nagata,suma,tarumi,nishi"
AGES = "under20,20s,30s,40s,50s,60s,70s,over80"
# (clean name, field type, required, choices) in the order of the Madoguchi form.
FIELDS = [
    ("ward", "dropdown", True, WARDS),
    ("age_group", "dropdown", True, AGES),
    ("years_lived", "radio", False, "under3,3to10,10to20,over20"),
    ("household", "radio", False, "single,couple,with_children,three_generations,other"),
    ("satisfaction", "radio", True, "5,4,3,2,1"),
    ("stay_intention", "radio", True, "stay,move_within,move_out,undecided"),
    (
        "good_points",
        "checkboxes",
        False,
        "nature,transport,shopping,food,culture,safety,medical,community",
    ),
    (
        "priorities",
        "checkboxes",
        True,
        "childcare,elderly,disaster,economy,environment,transport,tourism,digital",
    ),
    ("info_sources", "checkboxes", False, "newsletter,website,sns,tv_newspaper,neighbours,none"),
    ("online_use", "radio", False, "often,sometimes,never"),
    ("comment", "multiline", False, ""),
]


class Command(BaseCommand):
    help = "Create the benchmark form page at /anketo/."

    def handle(self, *args: object, **options: object) -> None:
        if FormPage.objects.filter(slug="anketo").exists():
            return
        root = Page.get_first_root_node()
        page = FormPage(title="神戸市民アンケート", slug="anketo")
        root.add_child(instance=page)
        for order, (name, kind, required, choices) in enumerate(FIELDS):
            FormField.objects.create(
                page=page,
                sort_order=order,
                label=name,
                field_type=kind,
                required=required,
                choices="\n".join(choices.split(",")) if choices else "",
            )
        page.save_revision().publish()
        Site.objects.all().delete()
        Site.objects.create(hostname="localhost", port=80, root_page=page, is_default_site=True)

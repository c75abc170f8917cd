"""Development only: demo users in their role groups (passwords printed) and a few demo cases.

The cases are assessed, so the shipped guidance is loaded first (load_guidance, which does nothing when it is
there already).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import CLINICIAN, GUIDANCE_EDITOR, REVIEWER, ROLES_BY_NAME
from cases.models import Case
from cases.services import case_create

DEMO_PASSWORD = "mastoweb-demo"  # noqa: S105 - development only, refused when DEBUG is off

# A demo user for each role: its group and whether it is staff come from the declaration (accounts.roles).
DEMO_ROLES = {
    "clinician": CLINICIAN,
    "reviewer": REVIEWER,
    "editor": GUIDANCE_EDITOR,
    # A second editor: a draft is published only once someone other than its author approves it.
    "editor2": GUIDANCE_EDITOR,
}
DEMO_SUPERUSER = "admin"

# Made-up patients for trying the pages; labels are pseudonyms, as the form asks.
DEMO_CASES = [
    (
        "Demo: ISM, refractory flushing",
        {
            "subtype": "ISM",
            "age_years": 47,
            "symptoms": ["flushing", "pruritus", "diarrhea"],
            "antihistamine_response": "unresponsive",
            "serum_tryptase_ng_ml": 32.5,
        },
    ),
    (
        "Demo: SSM, recurrent anaphylaxis",
        {"subtype": "SSM", "age_years": 58, "symptoms": ["recurrent_anaphylaxis"], "venom_allergy": "yes"},
    ),
    (
        "Demo: ASM, KIT D816V positive",
        {
            "subtype": "ASM",
            "age_years": 63,
            "symptoms": ["malabsorption", "osteoporosis"],
            "kit_d816v": "positive",
            "hct_eligible": "yes",
            "serum_tryptase_ng_ml": 180,
        },
    ),
    ("Demo: ISM, asymptomatic", {"subtype": "ISM", "age_years": 39, "symptoms": []}),
    (
        "Demo: ISM, anaphylaxis despite every anti-mediator and omalizumab",
        {
            "subtype": "ISM",
            "age_years": 44,
            "symptoms": ["recurrent_anaphylaxis", "flushing"],
            "antihistamine_response": "unresponsive",
            "antileukotriene_response": "unresponsive",
            "omalizumab_response": "unresponsive",
            "nsaid_tolerance": "intolerant",
        },
    ),
    (
        "Demo: ISM, osteoporotic fracture",
        {"subtype": "ISM", "age_years": 66, "symptoms": ["osteoporosis", "fracture"]},
    ),
]


def demo_user(username, *, is_staff, is_superuser=False):
    """The demo user, made with the demo password if new; its flags set as asked on every run."""
    user, created = get_user_model().objects.update_or_create(
        username=username, defaults={"is_staff": is_staff, "is_superuser": is_superuser}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = "Create demo users and cases for development (refused unless DEBUG is on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_setup creates well-known passwords: it runs only with DEBUG=true.")
        call_command("load_guidance", stdout=self.stdout, verbosity=options["verbosity"])
        for username, role_name in DEMO_ROLES.items():
            role = ROLES_BY_NAME[role_name]
            demo_user(username, is_staff=role.staff).groups.add(Group.objects.get(name=role.name))
        demo_user(DEMO_SUPERUSER, is_staff=True, is_superuser=True)
        clinician = get_user_model().objects.get(username="clinician")
        made = 0
        for label, facts in DEMO_CASES:
            if not Case.objects.filter(created_by=clinician, label=label).exists():
                case_create(user=clinician, label=label, facts=facts, notes="Demo case (made up).")
                made += 1
        self.stdout.write("Demo users (development only), password for each: " + DEMO_PASSWORD)
        for username, role_name in DEMO_ROLES.items():
            self.stdout.write(f"  {username} ({role_name})")
        self.stdout.write(f"  {DEMO_SUPERUSER} (superuser)")
        self.stdout.write(f"Demo cases for clinician: {len(DEMO_CASES)} ({made} new).")

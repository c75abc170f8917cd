"""The code mapping the service starts with (docs/interop.md); admins add SNOMED CT and local codes."""

from django.db import migrations

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_CT = "http://snomed.info/sct"
LOCAL = "urn:mastoweb:sm-case-facts"

CONDITIONS = [
    (ICD10CM, "C96.21", "Aggressive systemic mastocytosis", "subtype", "ASM"),
    (ICD10CM, "C94.30", "Mast cell leukemia not having achieved remission", "subtype", "MCL"),
    (ICD10CM, "C94.31", "Mast cell leukemia, in remission", "subtype", "MCL"),
    (ICD10CM, "C94.32", "Mast cell leukemia, in relapse", "subtype", "MCL"),
    # D47.02 covers ISM, SSM, BMM and SM-AHN: the subtype stays unknown, and the card says so.
    (ICD10CM, "D47.02", "Systemic mastocytosis", "subtype", "unknown"),
    (SNOMED_CT, "418290006", "Itching", "symptoms", "pruritus"),
    (SNOMED_CT, "21522001", "Abdominal pain", "symptoms", "abdominal_pain"),
    (SNOMED_CT, "16331000", "Heartburn", "symptoms", "heartburn"),
    (SNOMED_CT, "62315008", "Diarrhea", "symptoms", "diarrhea"),
    (SNOMED_CT, "64859006", "Osteoporosis", "symptoms", "osteoporosis"),
    (SNOMED_CT, "389026000", "Ascites", "symptoms", "ascites"),
    # Mastoweb's own codes: one per subtype, symptom and yes/no fact, so every fact can be sent coded.
    *[(LOCAL, f"subtype-{value}", f"Subtype {value}", "subtype", value) for value in ("BMM", "ISM", "SSM", "SM-AHN")],
    *[
        (LOCAL, f"symptom-{value}", label, "symptoms", value)
        for value, label in (
            ("flushing", "Flushing"),
            ("pruritus", "Pruritus (itching)"),
            ("abdominal_pain", "Abdominal pain"),
            ("heartburn", "Heartburn"),
            ("cramping", "Abdominal cramping"),
            ("diarrhea", "Diarrhea"),
            ("recurrent_anaphylaxis", "Recurrent anaphylaxis"),
            ("hemodynamic_instability", "Hemodynamic instability"),
            ("osteoporosis", "Osteoporosis"),
            ("fracture", "Fracture"),
            ("malabsorption", "Malabsorption"),
            ("ascites", "Ascites"),
        )
    ],
    (LOCAL, "venom-allergy", "Venom allergy", "venom_allergy", "true"),
]

# An Observation with one of these codes carries the fact's value itself (a code of LOCAL equal to the value).
OBSERVATIONS = [
    (LOCAL, "antihistamine-response", "Response to H1/H2 antihistamines", "antihistamine_response"),
    (LOCAL, "antileukotriene-response", "Response to antileukotrienes", "antileukotriene_response"),
    (LOCAL, "omalizumab-response", "Response to omalizumab", "omalizumab_response"),
    (LOCAL, "nsaid-tolerance", "NSAID (aspirin) tolerance", "nsaid_tolerance"),
    (LOCAL, "hct-eligible", "Eligible for hematopoietic cell transplantation", "hct_eligible"),
]


def seed(apps, schema_editor):
    CodeMapping = apps.get_model("interop", "CodeMapping")
    CodeMapping.objects.bulk_create(
        [
            CodeMapping(resource="Condition", system=system, code=code, display=display, fact=fact, value=value)
            for system, code, display, fact, value in CONDITIONS
        ]
        + [
            CodeMapping(resource="Observation", system=system, code=code, display=display, fact=fact, value="")
            for system, code, display, fact in OBSERVATIONS
        ]
    )


def unseed(apps, schema_editor):
    CodeMapping = apps.get_model("interop", "CodeMapping")
    CodeMapping.objects.filter(code__in=[row[1] for row in CONDITIONS + OBSERVATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("interop", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

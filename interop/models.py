"""What the CDS Hooks service keeps: registered clients, tokens seen, cards issued, and the code mapping."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from guidance.facts import FACTS
from guidance.models import GuidanceVersion

from .jwks import jwks_url_problem

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_CT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
# Mastoweb's own codes for case facts no standard code carries (see docs/interop.md); a URN,
# so the codes mean the same whichever server hosts Mastoweb.
LOCAL_FACTS = "urn:mastoweb:sm-case-facts"


class CdsClient(models.Model):
    """An EHR allowed to call the service: its issuer and the public keys its tokens are signed with."""

    name = models.CharField(max_length=200, help_text="Who this is, for people (e.g. the hospital's EHR).")
    issuer = models.CharField(
        max_length=500, unique=True, help_text="The `iss` of the client's tokens, exactly as it sends it."
    )
    jwks_url = models.URLField("JWKS URL", blank=True, help_text="Where the client publishes its public keys.")
    jwks = models.JSONField(
        "pasted keys (JWKS)",
        null=True,
        blank=True,
        help_text='The client\'s public keys as a JWK Set: {"keys": [...]}. Used instead of the URL when given.',
    )
    active = models.BooleanField(default=True, help_text="Untick to refuse this client's calls.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "CDS Hooks client"

    def __str__(self):
        return f"{self.name} ({self.issuer})"

    def clean(self):
        if not self.jwks_url and not self.jwks:
            raise ValidationError("Give the client's JWKS URL or paste its keys.")
        problem = jwks_url_problem(self.jwks_url) if self.jwks_url else None
        if problem:
            raise ValidationError({"jwks_url": problem})
        if self.jwks is not None:
            keys = self.jwks.get("keys") if isinstance(self.jwks, dict) else None
            if not isinstance(keys, list) or not keys or not all(isinstance(key, dict) for key in keys):
                raise ValidationError({"jwks": 'Paste a JWK Set: {"keys": [ {...}, ... ]} with at least one key.'})
            # As the cds_client command: public keys only, and of the kinds a token may be signed with.
            private = [str(key.get("kid", "?")) for key in keys if "d" in key]
            if private:
                raise ValidationError({"jwks": f"Holds a private key ({', '.join(private)}); give public keys only."})
            other = [str(key.get("kid", "?")) for key in keys if key.get("kty") not in ("EC", "RSA")]
            if other:
                message = f"Holds keys that are not EC or RSA ({', '.join(other)}): symmetric keys are refused."
                raise ValidationError({"jwks": message})


class CdsTokenSeen(models.Model):
    """A token id already used by a client: the same `jti` is refused until the token has expired."""

    client = models.ForeignKey(CdsClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="interop_token_seen_once")]

    def __str__(self):
        return self.jti


class CdsCard(models.Model):
    """A card the service returned: what CDS Hooks feedback for its uuid is about."""

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(CdsClient, on_delete=models.PROTECT, related_name="cards")
    rule = models.SlugField(max_length=80, blank=True, help_text="The rule of a caution card; blank on the summary.")
    rules = models.JSONField(default=list, help_text="Every rule id the card shows.")
    guidance_version = models.ForeignKey(GuidanceVersion, on_delete=models.PROTECT, related_name="+")
    hook_instance = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "CDS Hooks card issued"
        verbose_name_plural = "CDS Hooks cards issued"

    def __str__(self):
        return f"{self.rule or 'summary'} ({self.uuid})"


class FactNameField(models.CharField):
    """The name of a case fact, chosen among the vocabulary's (guidance.facts) with their labels.

    The choices follow the vocabulary but stay out of migrations: they change nothing in the
    database, so a migration holds the plain column and a new fact needs no migration here (the
    case's column is cases'). Returning Django's own path also keeps migrations free of our code.
    """

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = [(name, fact.label) for name, fact in FACTS.items()]
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        del kwargs["choices"]
        return name, "django.db.models.CharField", args, kwargs


class CodeMapping(models.Model):
    """One code an EHR may send, and the case fact it means.

    A Condition with the code sets the fact to `value`. An Observation with the
    code and no `value` here gives the fact its own value (a coded value from
    the fact's vocabulary, or true/false). Codes not listed are named back to
    the clinician, never guessed.
    """

    class Resource(models.TextChoices):
        CONDITION = "Condition", "Condition"
        OBSERVATION = "Observation", "Observation"

    resource = models.CharField(max_length=20, choices=Resource.choices, default=Resource.CONDITION)
    system = models.CharField(
        max_length=200,
        help_text=f"Code system URI: {ICD10CM} (ICD-10-CM), {SNOMED_CT} (SNOMED CT), {LOCAL_FACTS} (Mastoweb's own).",
    )
    code = models.CharField(max_length=100)
    display = models.CharField(max_length=300, help_text="The code's name in its system, for people.")
    fact = FactNameField(max_length=40)
    value = models.CharField(
        max_length=40, blank=True, help_text="The fact's value (for a symptom, the symptom); blank on an Observation."
    )

    class Meta:
        ordering = ["fact", "system", "code"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="interop_code_mapped_once")]

    def __str__(self):
        return f"{self.system}|{self.code} \u2192 {self.fact}{'=' + self.value if self.value else ''}"

    def clean(self):
        fact = FACTS.get(self.fact)
        if fact is None:
            return
        if fact.is_numeric:
            raise ValidationError({"fact": f"{fact.label} comes from its own Observation, not from a code."})
        if self.resource == self.Resource.OBSERVATION and not self.value:
            return
        if not self.value:
            raise ValidationError({"value": "A Condition code sets the fact to a value: give it."})
        allowed = ("true",) if fact.is_bool else fact.values
        if self.value not in allowed:
            raise ValidationError(
                {"value": f"{self.value!r} is not a value of {fact.label}; use one of {', '.join(allowed)}."}
            )

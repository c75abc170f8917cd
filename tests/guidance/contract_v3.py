"""The version-3 properties as ../shared/spec/evaluation-contract.md defines them, read independently of
the product's CEL: a case and its evaluate_case output in, the properties it breaks out (a list of ids).

Used by the sweep tests to check the product's output from the outside.
"""

CYTO = {"interferon-alfa", "cladribine", "midostaurin", "imatinib", "tki"}
CLASSES = {
    "cytoreductive": CYTO,
    "tki": {"midostaurin", "imatinib", "tki"},
    "anti-mediator": {"h1-antihistamine", "h2-antihistamine", "antileukotriene", "cromolyn-oral"},
    "anti-mediator-biologic": {"omalizumab"},
    "emergency": {"epinephrine-autoinjector"},
    "nsaid": {"aspirin"},
    "gastric": {"ppi"},
    "glucocorticoid": {"glucocorticoid-oral"},
    "bone": {"calcium-vitamin-d", "pamidronate"},
    "transplant": {"hct"},
    "immunotherapy": {"venom-immunotherapy"},
    "ahn": {"ahn-directed-therapy"},
}
RESPONSE = {
    "h1-antihistamine": "antihistamine_response",
    "h2-antihistamine": "antihistamine_response",
    "antileukotriene": "antileukotriene_response",
    "omalizumab": "omalizumab_response",
}
ADVANCED = {"ASM", "SM-AHN", "MCL"}
MEDIATOR = {
    "flushing", "pruritus", "abdominal_pain", "heartburn", "cramping", "diarrhea",
    "recurrent_anaphylaxis", "hemodynamic_instability",
}  # fmt: skip
DEFAULTS = {
    "symptoms": [],
    "antihistamine_response": "not_tried",
    "antileukotriene_response": "not_tried",
    "omalizumab_response": "not_tried",
    "nsaid_tolerance": "unknown",
    "venom_allergy": "unknown",
    "kit_d816v": "unknown",
    "hct_eligible": "unknown",
}


def expand(ids):
    out = set()
    for item in ids:
        out |= CLASSES.get(item, set()) | {item}
    return out


def broken(case, output, read):
    """The property ids the output breaks for the case. `read`: the facts the version's rules read."""
    case = {**DEFAULTS, **case}
    if case["venom_allergy"] is True:
        case["venom_allergy"] = "yes"
    if case["venom_allergy"] is False:
        case["venom_allergy"] = "no"
    lines = output["recommendations"]
    notices = {n["id"]: n for n in output.get("notices", [])}
    symptoms = set(case["symptoms"])
    offers = [o for line in lines for o in line["offers"]]
    offered = [o["intervention"] for o in offers]
    started = {o["intervention"] for o in offers if o["intent"] == "start"}
    failed = {i for i, fact in RESPONSE.items() if case[fact] == "unresponsive"}
    cautions = [line for line in lines if line["kind"] == "caution"]
    advanced = case["subtype"] in ADVANCED
    bad = []

    def caution_about(item, effect=None):
        return [c for c in cautions if item in expand(c["about"]) and (effect is None or c["effect"] == effect)]

    withheld = {i for c in cautions if c["effect"] == "withhold" for i in expand(c["about"])}
    if withheld & set(offered):
        bad.append("withheld-is-not-offered")
    if not advanced and any(i in CYTO and not caution_about(i, "qualify") for i in offered):
        bad.append("cytoreduction-outside-advanced-is-qualified")
    if failed & started:
        bad.append("failed-is-not-started-again")
    if case["kit_d816v"] == "positive" and "imatinib" in offered:
        bad.append("no-imatinib-with-d816v")
    if case["kit_d816v"] == "unknown":
        for item in ("imatinib", "tki"):
            if item in offered and not any(
                any(b["fact"] == "kit_d816v" for b in c["because"]) for c in caution_about(item)
            ):
                bad.append("kit-choice-needs-kit-status")
    risk = symptoms & {"recurrent_anaphylaxis", "hemodynamic_instability"} or case["venom_allergy"] == "yes"
    if risk and not caution_about("epinephrine-autoinjector", "ensure"):
        bad.append("epinephrine-when-anaphylaxis-is-a-risk")
    if len(offered) != len(set(offered)):
        bad.append("one-line-per-intervention")
    if not advanced:
        second = {"glucocorticoid-oral"} | (CYTO - {"interferon-alfa"})
        if second & set(offered) and not symptoms & MEDIATOR:
            bad.append("second-line-needs-mediator-symptoms")
        if "interferon-alfa" in offered and not symptoms & MEDIATOR and "pamidronate" not in offered:
            bad.append("second-line-needs-mediator-symptoms")
    way = any(o["intent"] == "maximise" or o["intervention"] not in failed for o in offers)
    if symptoms and not way and "nothing-further-in-source" not in notices:
        bad.append("no-dead-end")
    if way and "nothing-further-in-source" in notices:
        bad.append("no-dead-end (notice shown though an option is left)")
    given = [name for name, value in case.items() if name != "subtype" and value != DEFAULTS.get(name)]
    unused = set(notices.get("facts-not-used", {}).get("facts", []))
    if any(name not in read and name not in unused for name in given):
        bad.append("unused-facts-are-said")
    if "aspirin" in offered and case["nsaid_tolerance"] != "tolerant":
        bad.append("aspirin-only-when-tolerated")
    if "hct" in offered and case["hct_eligible"] == "no":
        bad.append("transplant-never-when-ineligible")
    age = case.get("age_years")
    if (age is not None and age < 18) != ("outside-source-scope" in notices):
        bad.append("outside-source-scope notice")
    for line in lines:
        if line["kind"] in ("recommend", "consider") and not line["offers"]:
            bad.append(f"{line['rule']} offers nothing")
        if line["kind"] == "caution" and (not line["about"] or line["effect"] not in ("withhold", "qualify", "ensure")):
            bad.append(f"{line['rule']} caution without about/effect")
    return bad

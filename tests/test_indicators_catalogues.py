"""The ads, jobs and profiles catalogues, evaluated by the real engine and scored by the real scorer.

Every indicator has at least one sentence that fires it (with the exact evidence asserted) and one near
miss that must not; whole synthetic items check that ordinary posts stay low and lures reach a reviewer.
Entities are built by hand so these tests do not depend on the extractors.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.indicators.catalogue import GRADES, Catalogue, packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.indicators.scoring import BAND_THRESHOLDS, contributions, score_hits
from trailguard.model import KINDS, Entity, Hit

MINE = ("ads", "jobs", "profiles")


@pytest.fixture(scope="module")
def catalogues() -> list[Catalogue]:
    return packaged_catalogues()


@pytest.fixture(scope="module")
def engine(catalogues: list[Catalogue]) -> Engine:
    return Engine(catalogues)


def _mine(catalogues: Sequence[Catalogue]) -> list[Catalogue]:
    return [c for c in catalogues if c.domain in MINE]


def assess(
    engine: Engine, text: str, kind: str, entities: Sequence[Entity] = ()
) -> tuple[dict[str, Hit], float, str]:
    hits = engine.evaluate(text, entities, kind)
    floors = {i.id: i.band_floor for i in engine.indicators.values() if i.band_floor}
    score, band = score_hits(hits, floors)
    return {h.indicator: h for h in hits}, score, band


def entity(text: str, type_: str, value: object, raw: str, obfuscated: bool = False) -> Entity:
    start = text.index(raw)
    return Entity(type=type_, value=value, raw=raw, start=start, end=start + len(raw), obfuscated=obfuscated)


# (indicator, kind, text, exact evidence in order)
POSITIVES: list[tuple[str, str, str, list[str]]] = [
    (
        "ads.trust_language",
        "ad",
        "Real pics, no fakes, not a cop. Call for details.",
        ["Real pics", "no fakes", "not a cop"],
    ),
    ("ads.trust_language", "post", "Booking now. 100% real, no games.", ["100% real", "no games"]),
    (
        "ads.youth_language",
        "ad",
        "Sweet young thing, young girls, barely legal.",
        ["Sweet young", "young girls", "barely legal"],
    ),
    (
        "ads.stated_ethnicity",
        "ad",
        "Gorgeous Latina, also a Puerto Rican friend.",
        ["Latina", "Puerto Rican"],
    ),
    ("ads.movement_language", "ad", "New in town, leaving soon ✈️", ["New in town", "leaving soon", "✈"]),
    (
        "ads.multiple_people",
        "ad",
        "2 girls available, three new ladies tonight.",
        ["2 girls", "three new ladies"],
    ),
    (
        "ads.third_person",
        "ad",
        "She is sweet. Her name is Mia, call her now.",
        ["She is", "Her name is", "call her"],
    ),
    ("ads.third_person", "ad", "She\u2019s waiting for you.", ["She\u2019s"]),
    ("ads.third_party_contact", "ad", "Text my manager to book.", ["Text my manager"]),
    ("ads.third_party_contact", "profile", "Serious only, call her driver.", ["call her driver"]),
    ("ads.restricted_movement", "ad", "In-call only. No out calls.", ["In-call only", "No out calls"]),
    ("ads.constant_availability", "ad", "Available 24/7 for you.", ["24/7"]),
    (
        "ads.constant_availability",
        "ad",
        "Always available, any time day or night.",
        ["Always available", "any time day or night"],
    ),
    ("ads.coded_emoji", "ad", "Sweet treat 🍒 ask about 🌹🌹", ["🍒", "🌹", "🌹"]),
    (
        "jobs.unrealistic_pay",
        "job",
        "Earn $800 per day as a promoter. Easy money!",
        ["$800 per day", "Easy money"],
    ),
    (
        "jobs.unrealistic_pay",
        "job",
        "Make $5k a week, or 3,000 euros per week.",
        ["$5k a week", "3,000 euros per week"],
    ),
    ("jobs.unrealistic_pay", "post", "Girls, make money fast, DM me.", ["make money fast"]),
    (
        "jobs.no_experience_no_interview",
        "job",
        "No experience needed, no interview.",
        ["No experience needed", "no interview"],
    ),
    ("jobs.travel_paid_abroad", "job", "Flights and visa paid by the agency.", ["Flights and visa paid"]),
    (
        "jobs.travel_paid_abroad",
        "post",
        "We cover your air tickets, free visa.",
        ["We cover your air tickets", "free visa"],
    ),
    (
        "jobs.recruitment_fee_or_debt",
        "job",
        "A recruitment fee of $300 applies; repay the tickets from your first salary.",
        ["recruitment fee", "repay the tickets"],
    ),
    (
        "jobs.recruitment_fee_or_debt",
        "job",
        "Flight costs are deducted from your wages.",
        ["costs are deducted from your wages"],
    ),
    ("jobs.messaging_app_only", "job", "Apply via WhatsApp only.", ["Apply via WhatsApp"]),
    ("jobs.messaging_app_only", "job", "Contact: Telegram only.", ["Telegram only"]),
    (
        "jobs.vague_employer",
        "job",
        "Company name disclosed after you sign. Details in DM.",
        ["Company name disclosed after", "Details in DM"],
    ),
    ("jobs.targets_young_women", "job", "Looking for pretty girls for the bar.", ["pretty girls"]),
    ("jobs.targets_young_women", "job", "Ladies aged 18-25 only.", ["Ladies aged 18-25"]),
    (
        "jobs.hostess_model_abroad",
        "job",
        "Hostess and waitress jobs abroad, great tips.",
        ["Hostess and waitress jobs abroad"],
    ),
    ("jobs.hostess_model_abroad", "profile", "Work overseas as a dancer!", ["overseas as a dancer"]),
    ("jobs.urgency", "job", "Urgent! Start immediately.", ["Urgent", "Start immediately"]),
    (
        "jobs.photo_or_passport_request",
        "job",
        "Send full body photos and WhatsApp me your passport.",
        ["Send full body photos", "WhatsApp me your passport"],
    ),
    (
        "jobs.document_retention",
        "job",
        "The agency will keep your passport for safekeeping.",
        ["agency will keep your passport"],
    ),
    (
        "jobs.document_retention",
        "post",
        "Passports are held by the employer. Hand over your documents.",
        ["Passports are held by the employer", "Hand over your documents"],
    ),
    ("profiles.money_for_pictures", "post", "I'll pay $50 for your pics", ["I'll pay $50 for your pics"]),
    (
        "profiles.money_for_pictures",
        "profile",
        "Selfies for gift cards, message me.",
        ["Selfies for gift cards"],
    ),
    (
        "profiles.recruits_women_to_earn",
        "post",
        "Girls who want to make money and travel, DM me.",
        ["Girls who want to make money"],
    ),
    (
        "profiles.sugar_offer",
        "profile",
        "Sugar daddy looking for a sweet sugar baby.",
        ["Sugar daddy looking for"],
    ),
    ("profiles.sugar_offer", "post", "Be my sugar baby.", ["Be my sugar baby"]),
    ("profiles.model_promise", "post", "I can make you a model, trust me.", ["I can make you a model"]),
    (
        "profiles.model_promise",
        "post",
        "We can get you modelling work in a week.",
        ["We can get you modelling work"],
    ),
    ("profiles.off_platform_move", "post", "Add me on Snapchat.", ["Add me on Snapchat"]),
]

# (indicator, kind, text, why it must not fire)
NEGATIVES: list[tuple[str, str, str, str]] = [
    (
        "ads.trust_language",
        "ad",
        "Realtor listing: pictures of the house, photos are realistic renderings.",
        "'real' inside other words",
    ),
    (
        "ads.youth_language",
        "ad",
        "Young at heart, fresh towels, teen bike, teeny studio, school girls' uniforms for sale.",
        "bare young/fresh/teen are ordinary words",
    ),
    (
        "ads.youth_language",
        "ad",
        "New girl in town, just arrived, come say hi.",
        "'new girl' is about being new to town (context), not about age",
    ),
    (
        "ads.youth_language",
        "profile",
        "Sweet young new girl in our family!",
        "youth language is an ad-only sign",
    ),
    (
        "ads.stated_ethnicity",
        "ad",
        "Fresh Arabica coffee roasted in Indiana.",
        "ethnicity words inside other words",
    ),
    ("ads.stated_ethnicity", "post", "Lovely Thai dinner tonight.", "ad-only: posts mention food and travel"),
    ("ads.movement_language", "ad", "New in townhouse listings this week.", "phrase inside a longer word"),
    (
        "ads.multiple_people",
        "ad",
        "Two ladies' bikes for sale, good condition.",
        "possessive: goods, not people",
    ),
    ("ads.third_person", "ad", "I am available Mon-Fri, call me to book.", "first-person wording"),
    ("ads.third_party_contact", "ad", "Text me directly, no agency.", "contact is the person"),
    ("ads.restricted_movement", "ad", "Incall and outcall available.", "both offered"),
    (
        "ads.constant_availability",
        "ad",
        "Office at 24/75 Harbor Street, open 9-5.",
        "24/7 inside a street number",
    ),
    ("ads.coded_emoji", "ad", "Happy birthday 🎂🎉", "other emoji"),
    ("ads.coded_emoji", "post", "Cherry pie time 🍒", "coded emoji is an ad-only sign"),
    (
        "jobs.unrealistic_pay",
        "job",
        "$19.50 per hour, $150 per day shift bonus.",
        "hourly and ordinary daily pay",
    ),
    (
        "jobs.no_experience_no_interview",
        "job",
        "Forklift experience preferred; interview on site.",
        "experience asked for",
    ),
    (
        "jobs.travel_paid_abroad",
        "job",
        "Paid travel time between client sites.",
        "paid time, not paid journey",
    ),
    (
        "jobs.recruitment_fee_or_debt",
        "job",
        "No recruitment fees. We never charge recruitment fees.",
        "negated fee",
    ),
    (
        "jobs.recruitment_fee_or_debt",
        "job",
        "Pension contributions are deducted from your salary.",
        "ordinary payroll deductions",
    ),
    (
        "jobs.messaging_app_only",
        "job",
        "Apply on our website or email jobs@harbor.example; WhatsApp group for updates.",
        "app not the only channel",
    ),
    (
        "jobs.vague_employer",
        "job",
        "Harbor Logistics Inc., 12 Dock Street. Details on our careers page.",
        "employer named",
    ),
    (
        "jobs.targets_young_women",
        "job",
        "All genders welcome; women in STEM encouraged to apply.",
        "no selection by looks or age",
    ),
    ("jobs.hostess_model_abroad", "job", "Waitress needed at our Boston diner.", "not abroad"),
    ("jobs.urgency", "job", "Start date in September; apply by the end of the month.", "no pressure"),
    (
        "jobs.photo_or_passport_request",
        "job",
        "Please provide a copy of your passport at onboarding for right-to-work checks.",
        "ordinary ID check",
    ),
    (
        "jobs.document_retention",
        "job",
        "We keep a copy of your ID on file; originals are returned at once.",
        "a copy, not the document",
    ),
    (
        "jobs.document_retention",
        "ad",
        "The agency will keep your passport.",
        "jobs indicators do not apply to ads",
    ),
    (
        "profiles.money_for_pictures",
        "post",
        "Here are some photos from our walk; I will pay for the coffee next time.",
        "pay not for pictures",
    ),
    (
        "profiles.recruits_women_to_earn",
        "post",
        "Looking for players for our girls' soccer team.",
        "no money or travel",
    ),
    ("profiles.sugar_offer", "post", "Sugar-free cookies for my baby shower.", "no sugar arrangement"),
    (
        "profiles.model_promise",
        "post",
        "My daughter wants to be a model for Halloween.",
        "a wish, not a promise to the reader",
    ),
    ("profiles.off_platform_move", "post", "Snapchat is down again today?", "no request to move"),
]


@pytest.mark.parametrize(("ind", "kind", "text", "evidence"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_indicator_fires_with_exact_evidence(
    engine: Engine, ind: str, kind: str, text: str, evidence: list[str]
) -> None:
    hits, _, _ = assess(engine, text, kind)
    assert ind in hits, f"{ind} did not fire on {text!r}; got {sorted(hits)}"
    spans = hits[ind].evidence
    assert [s.text for s in spans] == evidence
    assert all(text[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize(("ind", "kind", "text", "why"), NEGATIVES, ids=[n[0] for n in NEGATIVES])
def test_near_miss_does_not_fire(engine: Engine, ind: str, kind: str, text: str, why: str) -> None:
    hits, _, _ = assess(engine, text, kind)
    assert ind not in hits, f"{ind} fired on {text!r} ({why}): {[s.text for s in hits[ind].evidence]}"


# Entity-condition indicators: (indicator, kind, text, entities, fires?)
PHONE_TEXT = "Call six1seven 555 o1two3 tonight or (617) 555-0199."
AGE_TEXT = "Mia 19 yrs and Ava 23 yrs, both here; Zoe 16 yrs."


def _phones(obfuscated: bool) -> list[Entity]:
    if obfuscated:
        return [entity(PHONE_TEXT, "phone", "+16175550123", "six1seven 555 o1two3", obfuscated=True)]
    return [entity(PHONE_TEXT, "phone", "+16175550199", "(617) 555-0199")]


def _ages(*raws: str) -> list[Entity]:
    return [entity(AGE_TEXT, "age", int(raw.split()[0]), raw) for raw in raws]


ENTITY_CASES: list[tuple[str, str, list[Entity], list[str] | None]] = [
    ("ads.obscured_phone", "ad", _phones(True), ["six1seven 555 o1two3"]),
    ("ads.obscured_phone", "profile", _phones(True), ["six1seven 555 o1two3"]),
    ("ads.obscured_phone", "ad", _phones(False), None),
    ("ads.minor_age", "ad", _ages("16 yrs"), ["16 yrs"]),
    ("ads.minor_age", "ad", _ages("19 yrs"), None),
    ("ads.minor_age", "profile", _ages("16 yrs"), None),  # a teenager's own profile stating their age
    ("ads.very_young_age", "ad", _ages("19 yrs"), ["19 yrs"]),
    ("ads.very_young_age", "ad", _ages("23 yrs"), None),
    ("ads.very_young_age", "ad", _ages("16 yrs"), None),  # under 18 is ads.minor_age, not this
    ("ads.several_ages", "ad", _ages("19 yrs", "23 yrs"), ["19 yrs", "23 yrs"]),
    ("ads.several_ages", "ad", _ages("23 yrs"), None),
]


@pytest.mark.parametrize(
    ("ind", "kind", "entities", "evidence"),
    ENTITY_CASES,
    ids=[f"{c[0]}-{c[1]}-{bool(c[3])}" for c in ENTITY_CASES],
)
def test_entity_conditions(
    engine: Engine, ind: str, kind: str, entities: list[Entity], evidence: list[str] | None
) -> None:
    text = PHONE_TEXT if entities[0].type == "phone" else AGE_TEXT
    hits, _, _ = assess(engine, text, kind, entities)
    if evidence is None:
        assert ind not in hits
    else:
        assert [s.text for s in hits[ind].evidence] == evidence


def test_same_age_twice_is_not_several_people(engine: Engine) -> None:
    text = "Ava 23 yrs. Really 23 yrs."
    first = entity(text, "age", 23, "23 yrs")
    second = Entity("age", 23, "23 yrs", text.rindex("23 yrs"), text.rindex("23 yrs") + 6)
    hits, _, _ = assess(engine, text, "ad", [first, second])
    assert "ads.several_ages" not in hits


def test_every_indicator_has_a_positive_and_a_negative_example(catalogues: list[Catalogue]) -> None:
    positive = {p[0] for p in POSITIVES} | {c[0] for c in ENTITY_CASES if c[3] is not None}
    negative = {n[0] for n in NEGATIVES} | {c[0] for c in ENTITY_CASES if c[3] is None}
    ids = {i.id for c in _mine(catalogues) for i in c.indicators}
    assert ids - positive == set()
    assert ids - negative == set()


# Whole items: ordinary posts stay low; lures and risky ads reach a reviewer.
BENIGN: list[tuple[str, str]] = [
    (
        "job",
        "Barista wanted at Corner Cup café, Cambridge. No experience needed, we train you. $17 per hour plus "
        "tips. Apply in store or email jobs@cornercup.example.",
    ),
    (
        "job",
        "Registered nurse, night shifts, Boston General. $2,500 per week travel contract. Please provide a copy "
        "of your passport or other right-to-work documents at onboarding. No recruitment fees.",
    ),
    (
        "job",
        "Warehouse associate, Lowell MA. $19.50/hour, immediate start, forklift training provided. Apply at "
        "careers.example.com.",
    ),
    (
        "ad",
        "Licensed massage therapists at Harbor Wellness Clinic. Deep tissue, sports and Thai massage. Book "
        "online at clinic.example or call (617) 555-0142. Open Mon-Sat 9am-7pm. Gift cards available.",
    ),
    (
        "ad",
        "Teen bike for sale, young at heart owner, fresh tyres. Two ladies' bikes too. Call 617 555 0111.",
    ),
    (
        "post",
        "Just adopted a rescue dog, here are some photos from our walk! Follow me on Instagram for more.",
    ),
    ("post", "Great trip, flights included in the package. New in town and loving it."),
    ("profile", "Student, 16, loves chess and soccer. My sister wants to be a model."),
]


@pytest.mark.parametrize(("kind", "text"), BENIGN, ids=[f"{k}-{t[:20]}" for k, t in BENIGN])
def test_ordinary_items_stay_low(engine: Engine, kind: str, text: str) -> None:
    ages = [entity(text, "age", 16, "16")] if "16" in text and kind == "profile" else []
    hits, score, band = assess(engine, text, kind, ages)
    assert band == "low", (
        f"{score} from {[(h.indicator, [s.text for s in h.evidence]) for h in hits.values()]}"
    )


def test_new_in_town_alone_is_context_with_score_zero(engine: Engine) -> None:
    hits, score, band = assess(engine, "New in town this week, just arrived.", "ad")
    assert score == 0.0 and band == "low"
    assert set(hits) == {"ads.movement_language"}
    hit = hits["ads.movement_language"]
    assert hit.effect == "context" and hit.weight == 0
    assert [s.text for s in hit.evidence] == ["New in town", "just arrived"]
    assert "never" in hit.explanation


def test_movement_language_never_raises_a_score(engine: Engine) -> None:
    base = "Sweet young new girl, 100% real pics."
    _, without, _ = assess(engine, base, "ad")
    hits, with_movement, _ = assess(engine, base + " New in town, leaving soon.", "ad")
    assert "ads.movement_language" in hits
    assert with_movement == without


RISKY_AD = (
    "Sweet young new girl 🍒 100% real pics, no games. She is available 24/7, incall only. "
    "Text her manager at six1seven 555 o1two3."
)


def test_typical_risky_ad_reaches_high_and_decomposes(engine: Engine) -> None:
    phone = entity(RISKY_AD, "phone", "+16175550123", "six1seven 555 o1two3", obfuscated=True)
    hits, score, band = assess(engine, RISKY_AD, "ad", [phone])
    assert band in ("high", "critical") and score >= BAND_THRESHOLDS["high"]
    assert {"ads.youth_language", "ads.trust_language", "ads.obscured_phone", "ads.third_person"} <= set(hits)
    shares = contributions(list(hits.values()), score)
    assert sum(shares.values()) == pytest.approx(score, abs=1e-3)
    assert all(h.source and h.evidence for h in hits.values())


def test_minor_age_in_an_ad_is_critical_on_its_own(engine: Engine) -> None:
    text = "Zoe 16 yrs, call for details."
    hits, score, band = assess(engine, text, "ad", [entity(text, "age", 16, "16 yrs")])
    assert band == "critical" and score >= BAND_THRESHOLDS["critical"]
    assert "22 U.S.C. § 7102" in hits["ads.minor_age"].source


def test_teen_profile_stating_age_16_stays_low(engine: Engine) -> None:
    text = "I'm 16, into chess and soccer. Add me on Snapchat."
    hits, _, band = assess(engine, text, "profile", [entity(text, "age", 16, "16")])
    assert "ads.minor_age" not in hits and band == "low"


LURE_JOB = (
    "Hostess jobs abroad! Earn $800 per day, no experience, no interview. Flights and visa paid. Pretty girls "
    "18-25 only. Recruitment fee $300, repay the tickets from your first salary. WhatsApp only. Send full body "
    "photos. Company name disclosed after arrival. Urgent, leave next week."
)


def test_lure_job_reaches_critical_and_document_retention_alone_is_high(engine: Engine) -> None:
    hits, _, band = assess(engine, LURE_JOB, "job")
    assert band == "critical"
    assert "jobs.document_retention" not in hits
    _, score, band = assess(engine, "Good pay. The agency will keep your passport.", "job")
    assert band == "high" and score >= BAND_THRESHOLDS["high"]


def test_no_experience_alone_is_low(engine: Engine) -> None:
    hits, score, band = assess(engine, "Café crew: no experience needed, friendly team, $16 per hour.", "job")
    assert set(hits) == {"jobs.no_experience_no_interview"} and band == "low" and 0 < score < 0.3


def test_kinds_are_respected(engine: Engine, catalogues: list[Catalogue]) -> None:
    jobs = next(c for c in catalogues if c.domain == "jobs")
    assert all("ad" not in i.kinds for i in jobs.indicators)
    hits, _, _ = assess(engine, LURE_JOB, "ad")
    assert not [h for h in hits if h.startswith("jobs.")]
    for kind in KINDS:
        hits, _, _ = assess(engine, LURE_JOB + " " + RISKY_AD, kind)
        assert all(kind in engine.indicators[h].kinds for h in hits)


def test_catalogues_load_and_are_complete(catalogues: list[Catalogue]) -> None:
    mine = _mine(catalogues)
    assert sorted(c.domain for c in mine) == sorted(MINE)
    for cat in mine:
        assert cat.indicators
        for ind in cat.indicators:
            assert ind.id.startswith(cat.domain + ".")
            assert ind.grade in GRADES and len(ind.source) > 20
            assert ind.explanation and ind.description
            if ind.effect == "context":
                assert ind.weight == 0
            elif ind.weight >= BAND_THRESHOLDS["medium"]:
                # Strong on its own: only evidence-backed indicators may put an item in front of a reviewer alone.
                assert ind.grade in ("A", "C") or ind.id == "profiles.money_for_pictures", ind.id


def test_no_duplicate_ids_across_catalogues(catalogues: list[Catalogue]) -> None:
    ids = [i.id for c in catalogues for i in c.indicators]
    assert len(ids) == len(set(ids))
    Engine(catalogues)  # the engine refuses duplicates too


def test_reviewer_text_avoids_labelling_language(catalogues: list[Catalogue]) -> None:
    banned = ("child prostitute", "underage prostitute", "child sex worker", "teen prostitute")
    for cat in _mine(catalogues):
        for ind in cat.indicators:
            text = f"{ind.description} {ind.explanation}".lower()
            assert not any(b in text for b in banned), ind.id


def test_stated_ethnicity_explains_it_is_about_wording(engine: Engine) -> None:
    hits, _, _ = assess(engine, "Asian beauty", "ad")
    assert "not a judgement" in hits["ads.stated_ethnicity"].explanation


WORDS = st.sampled_from(
    [
        "young",
        "new",
        "girl",
        "girls",
        "2",
        "in",
        "town",
        "she",
        "is",
        "her",
        "call",
        "text",
        "my",
        "manager",
        "24/7",
        "incall",
        "only",
        "no",
        "recruitment",
        "fee",
        "fees",
        "$800",
        "per",
        "day",
        "week",
        "$5k",
        "passport",
        "agency",
        "will",
        "keep",
        "your",
        "send",
        "photos",
        "abroad",
        "hostess",
        "whatsapp",
        "🍒",
        "🌹",
        "✈️",
        "I'll",
        "pay",
        "$50",
        "for",
        "pics",
        "sugar",
        "daddy",
        "looking",
        "\n",
        "’s",
        ",",
        ".",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(WORDS, max_size=40),
    kind=st.sampled_from(KINDS),
    extra=st.sampled_from(["", " Add me on Snapchat."]),
)
def test_evaluation_is_sound_on_arbitrary_text(
    engine: Engine, words: list[str], kind: str, extra: str
) -> None:
    text = " ".join(words)
    hits = engine.evaluate(text, [], kind)
    floors = {i.id: i.band_floor for i in engine.indicators.values() if i.band_floor}
    score, band = score_hits(hits, floors)
    assert 0.0 <= score <= 1.0 and band in ("low", "medium", "high", "critical")
    for h in hits:
        assert h.evidence and all(text[s.start : s.end] == s.text for s in h.evidence)
    # Monotone: adding text never lowers the score.
    more, _ = score_hits(engine.evaluate(text + extra, [], kind), floors)
    assert more >= score


@pytest.mark.parametrize(
    "hostile",
    [
        "model " * 20000,
        "$" + "1" * 50000,
        "flights, " * 15000 + "visa",
        "no " * 30000 + "recruitment fee",
        "girls " + "a" * 60000,
        "no" + " " * 60000 + "interview",
        "$1, " * 20000,
    ],
    ids=["job-words", "long-number", "long-list", "long-negation", "long-word", "long-space", "many-prices"],
)
def test_patterns_stay_linear_on_hostile_text(engine: Engine, hostile: str) -> None:
    start = time.perf_counter()
    for kind in ("ad", "job", "post"):
        engine.evaluate(hostile, [], kind)
    # A catastrophic-backtracking pattern takes minutes here; a linear one well under a second.
    assert time.perf_counter() - start < 10

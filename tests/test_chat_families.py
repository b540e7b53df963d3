"""The free-wording families (catalogues/chat_families.yaml) and the word sense around them: hand-written
synthetic chats, none from the tuning or held-out sets, each asserting the band and the indicator, rule or
cue that decided it; and the targets of the second and third tuning sets (tests/data/chat_tune2, chat_tune3)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from trailguard.chat.assess import HIGH_BANDS, assess_chat
from trailguard.chat.evaluation import evaluate_labelled
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.model import Assessment, Item, Message

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(packaged_catalogues())


def assess(engine: Engine, *lines: tuple[str, str]) -> Assessment:
    item = Item(
        id="f1",
        kind="chat",
        platform="whatsapp",
        messages=[Message(id=f"m{i}", author=a, text=t) for i, (a, t) in enumerate(lines)],
    )
    return assess_chat(item, engine, extract_entities)


def counted(a: Assessment) -> set[str]:
    return {h.indicator for h in a.hits if h.effect == "risk"}


def test_job_offer_with_journey_repaid_from_wages_is_deceptive_recruitment(engine: Engine) -> None:
    a = assess(
        engine,
        ("tio_r", "sobrino there is work in the vineyards in spain, salary 1400 and a bed"),
        ("beto", "and the bus?"),
        ("tio_r", "the patron pays it, you give back little by little from the wages"),
    )
    assert a.band in HIGH_BANDS
    assert {"chat.deceptive_recruitment", "chats.job.offer_with_terms", "chats.job.repay_journey"} <= counted(
        a
    )


def test_honest_offer_with_contract_and_no_fees_stays_low(engine: Engine) -> None:
    a = assess(
        engine,
        ("hr_lena", "the packing job in germany is 13 euro an hour, housing arranged"),
        ("miro", "do i pay anything for the flight?"),
        ("hr_lena", "no fees, the employer pays the flight, it is in the contract you sign before travel"),
    )
    assert a.band == "low"


def test_near_only_document_wording_sets_no_band_floor(engine: Engine) -> None:
    # Free wording of a held document counts, but a word near another is weaker than the written phrase:
    # alone it stays below high (chats.control.documents_held's phrases keep the high floor).
    a = assess(
        engine,
        ("ana_p", "the lady at the hostel took my passport at check in"),
        ("ines", "oh ok"),
    )
    assert "chats.control.documents_taken" in counted(a)
    assert "chats.control.documents_held" not in counted(a)
    assert a.band not in HIGH_BANDS


def test_victim_telling_a_friend_about_documents_debt_and_threat_is_coercive_control(engine: Engine) -> None:
    a = assess(
        engine,
        ("luz", "the encargado still have my papers since we arrive"),
        ("nena", "ask him"),
        ("luz", "he say i cannot go home until i pay the house and the ride"),
    )
    assert a.band in HIGH_BANDS
    assert {"chat.coercive_control", "chats.control.documents_taken"} <= counted(a)


def test_work_deadline_word_does_not_explain_a_threat_to_report_to_police(engine: Engine) -> None:
    a = assess(
        engine,
        ("dora", "the boss keeps my phone all week"),
        ("sol", "thats wrong"),
        ("dora", "and she said if i complain the boss will report me to police as a thief"),
    )
    assert "chats.threat.report_to_authorities" in counted(a)
    assert a.band in HIGH_BANDS


def test_sextortion_in_free_wording_is_the_sextortion_rule(engine: Engine) -> None:
    a = assess(
        engine,
        ("stranger", "i saved the recording, send 300 in bitcoin"),
        ("kid", "please no"),
        ("stranger", "pay or these go to ur followers tonight"),
    )
    assert a.band == "critical"
    assert {"chat.sextortion_threat", "chats.demand.payment_means", "chats.threat.share_images"} <= counted(a)


def test_sharing_wedding_pictures_is_no_threat(engine: Engine) -> None:
    a = assess(
        engine,
        ("aunt_m", "send me the pics from the wedding, my mom wants to see them"),
        ("kim", "ok sending"),
        ("aunt_m", "or they go to the lost and found lol, the photographer is slow"),
    )
    assert "chats.threat.share_images" not in counted(a)
    assert a.band == "low"


def test_code_switched_age_answer_and_picture_request_reach_high(engine: Engine) -> None:
    a = assess(
        engine,
        ("kuya_b", "how old ka na?"),
        ("lia", "12 po"),
        ("kuya_b", "send ka picture now, wag mo sabihin sa mama mo"),
    )
    assert a.band in HIGH_BANDS
    assert {"chat.age_answer", "chat.minor_plus_contact_request"} <= counted(a)


def test_a_present_does_not_explain_asking_when_the_child_is_home_alone(engine: Engine) -> None:
    a = assess(
        engine,
        ("ted", "i have a present for u, sweetheart"),
        ("amy", "really?"),
        ("ted", "is there a time ur home alone so i can bring it"),
    )
    assert "chats.secrecy.supervision_probe" in counted(a)


def test_neighbour_asking_if_mom_is_home_stays_low(engine: Engine) -> None:
    a = assess(
        engine,
        ("mrs_o", "is your mom home? i'm dropping off the casserole"),
        ("jo", "she's at work til 6"),
        ("mrs_o", "ok i'll leave it on the porch"),
    )
    assert a.band == "low"


@pytest.mark.parametrize(("folder", "risky", "benign"), [("chat_tune2", 60, 60), ("chat_tune3", 60, 40)])
def test_tuning_set_targets(folder: str, risky: int, benign: int) -> None:
    """The tuning sets written by the rules' author (so upper bounds): the issue's targets."""
    items = [
        Item.from_dict(orjson.loads(line))
        for path in sorted((DATA / folder).glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
        if line.strip()
    ]
    report = evaluate_labelled(items, Engine(packaged_catalogues()), extract_entities)
    assert report.risky == risky and report.benign == benign
    assert report.risky_recall >= 0.9, report.missed
    assert report.benign_medium_rate <= 0.05, report.benign_medium


def test_pronoun_reply_about_a_passport_is_a_document_held(engine: Engine) -> None:
    a = assess(
        engine,
        ("skipper", "two years contract, no going ashore"),
        ("deckhand", "and my seaman book?"),
        ("skipper", "it stays in my cabin, we send your pay to the agent till the contract ends"),
    )
    assert "chat.documents_held_in_reply" in counted(a)
    assert a.band in HIGH_BANDS


def test_a_consulate_that_keeps_and_returns_a_passport_is_not_a_document_held(engine: Engine) -> None:
    a = assess(
        engine,
        ("traveller", "do you keep my passport for the visa?"),
        ("consulate", "we keep it during processing and it is returned by courier in ten days"),
    )
    assert "chat.documents_held_in_reply" not in counted(a)
    assert a.band == "low"


def test_ticket_money_for_the_journey_is_not_a_concert_ticket(engine: Engine) -> None:
    # "ticket" is a settle-up cue (concert tickets), but "the ticket money" here is the journey's cost.
    a = assess(
        engine,
        ("agent_k", "work at the packing plant in jordan, 300 dollar a month"),
        ("rana", "ok"),
        ("agent_k", "they take the ticket money out of it the first year"),
    )
    assert {"chats.control.debt_for_costs", "chat.deceptive_recruitment"} <= counted(a)

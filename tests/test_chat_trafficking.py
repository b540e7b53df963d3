"""Trafficking recruitment and control, grooming as people write it, and the context that keeps ordinary
talk low: hand-written synthetic chats (none from the tuned or held-out sets), each asserting the band and
the rule or cue that decided it."""

from __future__ import annotations

import pytest

from trailguard.chat.assess import HIGH_BANDS, LOW_CAP, assess_chat
from trailguard.chat.combinations import RuleTracker
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.model import Assessment, Item, Message


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(packaged_catalogues())


def chat(*lines: tuple[str, str]) -> Item:
    return Item(
        id="t1",
        kind="chat",
        platform="whatsapp",
        messages=[Message(id=f"m{i}", author=a, text=t) for i, (a, t) in enumerate(lines)],
    )


def assess(engine: Engine, *lines: tuple[str, str]) -> Assessment:
    return assess_chat(chat(*lines), engine, extract_entities)


def counted(a: Assessment) -> set[str]:
    return {h.indicator for h in a.hits if h.effect == "risk"}


def not_counted(a: Assessment) -> set[str]:
    return {
        h.indicator
        for h in a.hits
        if h.effect == "context" and h.weight == 0 and "Not counted" in h.explanation
    }


def test_job_abroad_with_debt_and_held_documents_is_deceptive_recruitment(engine: Engine) -> None:
    a = assess(
        engine,
        ("recruiter_ana", "we need girls for a dancer job in cyprus, no experience needed"),
        ("vera", "how much is it"),
        ("recruiter_ana", "the flight is taken from your first wages, dont worry"),
        ("recruiter_ana", "our manager holds your passport there, its safer"),
    )
    assert a.band in HIGH_BANDS
    assert {
        "chat.deceptive_recruitment",
        "chats.control.documents_held",
        "chats.job.travel_advanced",
    } <= counted(a)
    assert a.conversation is not None and a.conversation["source_participant"] == "recruiter_ana"


def test_bring_a_friend_or_pictures_go_online_is_recruitment_under_threat(engine: Engine) -> None:
    a = assess(
        engine,
        ("vic", "bring ur cousin friday"),
        ("lee", "no"),
        ("vic", "do it or ur photos will go online"),
    )
    assert a.band == "critical"
    assert {"chat.recruitment_pressure", "chats.threat.images_go_online"} <= counted(a)


def test_controller_tracking_location_and_taking_the_money_is_coercive_control(engine: Engine) -> None:
    a = assess(
        engine,
        ("dom", "check in every hour tonight"),
        ("kay", "ok"),
        ("dom", "hand over the cash when u get back"),
    )
    assert a.band in HIGH_BANDS
    assert "chat.coercive_control" in counted(a)


def test_loverboy_needs_two_signs_not_one_hit_with_a_stage_and_a_category(engine: Engine) -> None:
    alone = assess(engine, ("jay", "my friends will help us with money"), ("mia", "really?"))
    assert "chat.loverboy_runaway" not in counted(alone)
    assert alone.band == "low"
    both = assess(
        engine,
        ("jay", "miss u so much princess"),
        ("mia", "me too"),
        ("jay", "my friends will help us with money, we can start a new life together"),
    )
    assert "chat.loverboy_runaway" in counted(both) and both.band in HIGH_BANDS


def test_grooming_as_written_pet_names_supervision_and_visit(engine: Engine) -> None:
    a = assess(
        engine,
        ("walt_52", "hows my lil angel"),
        ("ruby", "good"),
        ("walt_52", "does ur mom check ur phone?"),
        ("ruby", "no never"),
        ("walt_52", "cant wait 2 see u"),
    )
    assert "chat.supervision_plus_approach" in counted(a)
    assert a.band in HIGH_BANDS


def test_mutual_asl_between_adults_is_not_counted(engine: Engine) -> None:
    a = assess(
        engine,
        ("ned", "asl?"),
        ("kit", "29 f. asl?"),
        ("ned", "33 m. where do u live"),
    )
    assert not counted(a)
    assert {"chats.age_probing.direct", "chats.meeting.where_live"} <= not_counted(a)
    assert a.band == "low"


def test_an_age_question_to_a_minor_still_counts(engine: Engine) -> None:
    a = assess(engine, ("ned", "asl"), ("kit", "13 f"), ("ned", "asl? 35 m lol"))
    assert "chats.age_probing.direct" in counted(a)


def test_im_id_is_a_user_id_but_messenger_words_do_not_explain_a_debt(engine: Engine) -> None:
    im = assess(engine, ("zed", "gimme ur id"), ("lou", "its lou88 on yahoo"), ("zed", "ill add u"))
    assert "chats.control.id_request" in not_counted(im)
    assert im.band == "low"
    debt = assess(engine, ("zed", "u owe me, work it off"), ("lou", "ill add u on yahoo"))
    assert "chats.control.debt" in counted(debt)


def test_roommates_settling_a_bill_and_trip_photos_stay_low(engine: Engine) -> None:
    bill = assess(engine, ("mo", "u owe me for the water bill"), ("jan", "sending it now"))
    assert bill.band == "low" and "chats.control.debt" in not_counted(bill)
    trip = assess(
        engine,
        ("bea", "send me pics from Lisbon"),
        ("cleo", "ok"),
        ("bea", "don't tell anyone but im so jealous"),
    )
    assert trip.band == "low"
    assert "chats.image_request.photo_of_you" in not_counted(trip)


def test_separate_signs_of_two_stages_are_capped_low_and_a_rule_lifts_the_cap(engine: Engine) -> None:
    capped = assess(engine, ("al", "gimme ur phone"), ("bo", "why"), ("al", "add me on snap"))
    assert capped.band == "low" and capped.score == LOW_CAP
    assert capped.conversation is not None and capped.conversation["capped_low"] is True
    lifted = assess(engine, ("al", "gimme ur phone"), ("bo", "why"), ("al", "u owe me, work it off"))
    assert "chat.coercive_control" in counted(lifted)
    assert lifted.band in HIGH_BANDS and lifted.conversation is not None
    assert lifted.conversation["capped_low"] is False


def test_rule_tracker_reads_two_different_hits(engine: Engine) -> None:
    """One hit has a stage and a category; the loverboy rule must not pair a hit with itself."""
    hits = engine.evaluate("we can start a new life together", [], "chat", message=0)
    tracker = RuleTracker()
    tracker.add("jay", hits)
    assert "chat.loverboy_runaway" not in tracker.held


def test_documents_held_by_the_employer_alone_reaches_high(engine: Engine) -> None:
    # One strong ILO indicator, one stage: the low cap used to hold this at low.
    a = assess(
        engine,
        ("foreman_j", "u start at the greenhouse tomorrow 5am"),
        ("lena_v", "ok and my passport? i want it back"),
        ("foreman_j", "ur passport stays with the company till the season ends"),
    )
    assert "chats.control.documents_held" in counted(a)
    assert a.band in HIGH_BANDS


def test_threat_to_call_immigration_alone_reaches_high(engine: Engine) -> None:
    a = assess(
        engine,
        ("chef_r", "u were late again"),
        ("dina", "sorry the bus"),
        ("chef_r", "no visa, no excuses. next time i call immigration on u"),
    )
    assert "chats.threat.denunciation" in counted(a)
    assert a.band in HIGH_BANDS


def test_growing_debt_or_taken_earnings_alone_reach_at_least_medium(engine: Engine) -> None:
    debt = assess(engine, ("mama_t", "ur debt is going up, plus interest"), ("eve", "please"))
    money = assess(engine, ("dre", "bring all the money from tonight to me, every dollar"), ("kay", "ok"))
    assert debt.band != "low" and money.band != "low"


def test_ordinary_police_and_passport_talk_stays_low(engine: Engine) -> None:
    police = assess(
        engine, ("greta", "someone blocked my garage"), ("greta", "next time ill call the police")
    )
    passport = assess(
        engine,
        ("hr_anna", "bring your passport on day one so we can copy it, you keep the original"),
        ("sam", "great"),
    )
    assert police.band == "low" and passport.band == "low"


def test_signs_of_three_ilo_indicators_from_different_participants_reach_high(engine: Engine) -> None:
    # no sender writes two signs, so no same-sender rule holds: only the conversation-wide reading can
    lines = [
        ("agent_t", "the bakery job is good, the salary we discuss later when you arrive"),
        ("worker_b", "my cousin works there, she says the boss keeps her passport"),
        ("worker_c", "true, and nobody goes to town without him"),
    ]
    two = assess(engine, *lines[:2])
    assert "chat.forced_labour_signs" not in counted(two) and two.band not in HIGH_BANDS
    a = assess(engine, *lines)
    assert {"chats.job.terms_deferred", "chats.control.documents_taken", "chats.control.confined"} <= counted(
        a
    )
    assert counted(a) & {"chat.coercive_control", "chat.deceptive_recruitment"} == set()
    assert a.band in HIGH_BANDS and a.conversation["early_warning_message"] == 2
    (rule,) = [h for h in a.hits if h.indicator == "chat.forced_labour_signs"]
    for named in ("deception", "retention of identity documents", "restriction of movement", "'worker_c'"):
        assert named in rule.explanation


def test_a_ticket_mentioned_nearby_does_not_explain_a_held_passport(engine: Engine) -> None:
    a = assess(
        engine,
        ("aunt_r", "I buy the ticket for you, dont worry"),
        ("aunt_r", "when you come you give me the original passport, for the papers"),
    )
    assert "chats.control.documents_taken" in counted(a)
    assert "chats.control.documents_taken" not in not_counted(a)


def test_employer_with_contract_asking_a_passport_copy_for_payroll_stays_low(engine: Engine) -> None:
    a = assess(
        engine,
        ("hr_lena", "welcome! the contract is attached, salary 2100 a month, paid on the 25th"),
        ("hr_lena", "for payroll we need a copy of your passport, you keep the original"),
        ("new_hire", "ok, the room near the site, do I pay it myself?"),
        ("hr_lena", "yes, you rent wherever you like, there are no fees to us"),
    )
    assert "chat.forced_labour_signs" not in counted(a)
    assert a.band == "low"


def test_exposure_unless_paid_with_a_payment_demand_is_sextortion(engine: Engine) -> None:
    a = assess(
        engine,
        ("unknown_z", "you send 250 tonight by the link i give you"),
        ("target_y", "why"),
        ("unknown_z", "if you dont pay, everybody know tomorrow what you did"),
    )
    assert "chats.threat.share_images" in counted(a)
    assert "chat.sextortion_threat" in counted(a) and a.band == "critical"


def test_age_asked_as_a_calque_is_age_probing(engine: Engine) -> None:
    a = assess(engine, ("rafa_x", "how many years you have?"), ("kid_y", "13"))
    assert "chats.age_probing.years_have" in counted(a)


def test_dont_test_me_and_your_boss_are_no_work_deadline(engine: Engine) -> None:
    a = assess(
        engine,
        ("anon_q", "send me new ones tonight or i show your boyfriend and your mom"),
        ("target_p", "please stop"),
        ("anon_q", "tonight. dont test me, or your boss sees them too"),
    )
    assert "chats.threat.harm_or_ruin" in counted(a)
    assert "chat.sextortion_threat" in counted(a)
    b = assess(
        engine,
        ("anon_q", "send me new ones tonight or i show your boyfriend and your mom"),
        ("target_p", "please stop"),
        ("anon_q", "i have a test tomorrow, bye"),
    )
    assert "chats.threat.harm_or_ruin" in not_counted(b)

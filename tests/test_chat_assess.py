"""Conversation analysis on hand-written synthetic chats: stages, the source of risk, benign context,
conversation rules, the early-warning point, linking entities and the evidence-only summary."""

from __future__ import annotations

import time

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.chat.assess import HIGH_BANDS, assess_chat
from trailguard.chat.combinations import RULES
from trailguard.chat.stages import AGE_DISCLOSURE
from trailguard.chat.summary import evidence_excerpts
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.model import Assessment, Hit, Item, Message


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(packaged_catalogues())


def chat(*lines: tuple[str, str], ident: str = "c1") -> Item:
    return Item(
        id=ident,
        kind="chat",
        platform="discord",
        messages=[Message(id=f"m{i}", author=a, text=t) for i, (a, t) in enumerate(lines)],
    )


def assess(engine: Engine, item: Item) -> Assessment:
    return assess_chat(item, engine, extract_entities)


def counted(a: Assessment) -> set[str]:
    return {h.indicator for h in a.hits if h.effect == "risk"}


def test_grooming_conversation_is_critical_with_source_timeline_and_early_warning(engine: Engine) -> None:
    item = chat(
        ("rook", "gg that last round was insane"),
        ("fox", "lol thanks"),
        ("rook", "how old are you btw"),
        ("fox", "im 13"),
        ("rook", "you're so mature for your age"),
        ("rook", "add me on snap, and don't tell your parents ok"),
        ("fox", "ok"),
        ("rook", "send me a pic without your top"),
    )
    a = assess(engine, item)
    assert a.band == "critical"
    conv = a.conversation
    assert conv is not None
    assert conv["source_participant"] == "rook"
    assert conv["participants"]["fox"]["minor_age_disclosed"] is True
    assert conv["participants"]["fox"]["risk_mass"] == 0.0
    stages = [(s["stage"], s["first_message"]) for s in conv["stages"]]
    assert stages == [
        ("age_probing", 2),
        ("age_disclosure", 3),
        ("rapport", 4),
        ("secrecy", 5),
        ("platform_move", 5),
        ("image_request", 7),
    ]
    # Secrecy plus age probing from the same sender reaches high at message 5, before any image request.
    assert conv["early_warning_message"] == 5
    assert {"chat.minor_plus_sexualisation", "chat.exclusivity_plus_approach"} <= counted(a)
    # Every evidence span points into the text of the message it names.
    for h in a.hits:
        for s in h.evidence:
            assert s.message is not None
            assert item.messages[s.message].text[s.start : s.end] == s.text


def test_threat_to_share_images_unless_paid_is_critical_on_its_own(engine: Engine) -> None:
    a = assess(engine, chat(("kai", "i saved your pics. pay me $300 or i send them to all your followers")))
    assert a.band == "critical"
    assert "chat.sextortion_threat" in counted(a)
    assert a.conversation is not None and a.conversation["early_warning_message"] == 0


def test_threat_to_share_images_alone_is_high(engine: Engine) -> None:
    a = assess(engine, chat(("kai", "i'll send your pics to your mom")))
    assert a.band == "high"


def test_secret_birthday_present_is_not_counted_and_says_why(engine: Engine) -> None:
    a = assess(
        engine,
        chat(
            ("nora", "i got mom the necklace for her birthday"),
            ("eli", "she'll love it"),
            ("nora", "don't tell mom about the present ok, our little secret"),
        ),
    )
    assert a.band == "low"
    assert "chats.secrecy.dont_tell" not in counted(a)
    not_counted = [h for h in a.hits if h.indicator == "chats.secrecy.dont_tell"]
    assert not_counted and not_counted[0].weight == 0.0
    assert "Not counted: benign context" in not_counted[0].explanation


def test_landlord_asking_for_a_photo_of_id_is_not_an_image_request(engine: Engine) -> None:
    a = assess(
        engine,
        chat(
            ("pat", "hi, about the apartment on elm st"),
            ("lee", "still available?"),
            ("pat", "yes. send me a photo of your ID for the lease"),
        ),
    )
    assert not {h.stage for h in a.hits if h.effect == "risk"} & {"image_request"}
    assert a.band == "low"


def test_paying_back_tickets_is_not_money_or_debt(engine: Engine) -> None:
    a = assess(
        engine,
        chat(
            ("ace", "i bought the concert tickets"),
            ("remy", "i'll pay you back friday"),
            ("ace", "cool you owe me $45"),
            ("remy", "cash app me your tag, i'll send you $45"),
        ),
    )
    assert not counted(a)
    assert a.band == "low"


def test_two_adults_arranging_a_date_stay_below_high_until_a_minor_age_appears(engine: Engine) -> None:
    lines = [
        ("matt", "you're really pretty btw"),
        ("claire", "haha thank you"),
        ("matt", "add me on insta, let's meet for coffee saturday?"),
    ]
    adults = assess(engine, chat(*lines))
    assert adults.band not in HIGH_BANDS
    minor = assess(engine, chat(*lines[:2], ("claire", "i'm 15 tho"), lines[2]))
    assert minor.band in HIGH_BANDS
    assert "chat.minor_plus_contact_request" in counted(minor)


def test_benign_words_do_not_excuse_strong_signals(engine: Engine) -> None:
    a = assess(engine, chat(("x", "it's a surprise for your birthday"), ("x", "send me pics in your bikini")))
    assert "chats.image_request.revealing" in counted(a)


def test_bare_number_is_an_age_only_as_a_reply_to_an_age_question(engine: Engine) -> None:
    asked = assess(engine, chat(("a", "how old are you"), ("b", "14"), ("a", "let's meet up")))
    assert "chat.age_answer" in counted(asked)
    assert asked.band in HIGH_BANDS
    tickets = assess(engine, chat(("a", "how many tickets do you want"), ("b", "14"), ("a", "let's meet up")))
    assert "chat.age_answer" not in counted(tickets)
    assert tickets.band not in HIGH_BANDS


def test_debt_and_a_taken_phone_from_one_sender_is_coercive_control(engine: Engine) -> None:
    a = assess(
        engine, chat(("dom", "give me your phone"), ("rae", "why"), ("dom", "you owe me for everything"))
    )
    assert "chat.coercive_control" in counted(a)
    assert a.band in HIGH_BANDS
    assert a.conversation is not None and a.conversation["early_warning_message"] == 2


def test_entities_carry_message_indexes_for_linking(engine: Engine) -> None:
    a = assess(engine, chat(("kai", "hi"), ("kai", "cash app me, $fake_tag_01 or text 617-555-0123")))
    by_key = {e.key(): e for e in a.entities}
    assert by_key["payment:cashapp:$fake_tag_01"].message == 1
    assert by_key["phone:+16175550123"].message == 1
    assert a.text == "hi\ncash app me, $fake_tag_01 or text 617-555-0123"


def test_summary_shows_only_evidence_messages(engine: Engine) -> None:
    filler = "we talked about the weather and homework for a long while " * 10
    item = chat(("a", "hello there"), ("a", filler + "how old are you"), ("b", "fine thanks"))
    a = assess(engine, item)
    excerpts = evidence_excerpts(item.messages, a, max_chars=80)
    assert [e["message"] for e in excerpts] == [1]
    assert "how old are you" in excerpts[0]["text"]
    assert len(excerpts[0]["text"]) <= 82  # window plus the "…" marks


def test_assessment_round_trips_through_json(engine: Engine) -> None:
    a = assess(engine, chat(("kai", "pay me $300 or i send your pics to everyone"), ("ben", "no")))
    again = Assessment.from_dict(orjson.loads(orjson.dumps(a.to_dict())))
    assert again.to_dict() == a.to_dict()


def test_empty_and_authorless_chats_are_assessed(engine: Engine) -> None:
    empty = assess(engine, Item(id="e", kind="chat"))
    assert empty.band == "low" and empty.conversation is not None
    assert empty.conversation["messages_total"] == 0 and empty.conversation["early_warning_message"] is None
    nobody = assess(engine, Item(id="n", kind="chat", messages=[Message(id="1", text="delete this chat")]))
    assert nobody.conversation is not None and nobody.conversation["source_participant"] == "(unknown)"


PHRASES = [
    "hey",
    "how old are you",
    "im 14",
    "15",
    "don't tell your parents",
    "it's a surprise for mom's birthday",
    "add me on snap",
    "send me a pic",
    "send me a photo of your ID for the lease",
    "let's meet up saturday",
    "you owe me for the tickets",
    "give me your phone",
    "pay me $200",
    "i'll send your pics to your school",
    "you're so mature for your age",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(PHRASES)), max_size=12))
def test_early_warning_is_set_exactly_when_the_final_band_is_high(lines: list[tuple[str, str]]) -> None:
    engine = Engine(packaged_catalogues())
    a = assess(engine, chat(*lines))
    assert a.conversation is not None
    warning = a.conversation["early_warning_message"]
    assert (warning is not None) == (a.band in HIGH_BANDS)
    if warning is not None:
        assert 0 <= warning < len(lines)
    stage_counts = sum(s["count"] for s in a.conversation["stages"])
    assert stage_counts >= len(a.conversation["stages"])


def test_many_participants_are_assessed_in_linear_time(engine: Engine) -> None:
    # One message from each of 5,000 distinct authors: every message brings a new (participant, stage), and
    # re-reading all senders on each one was quadratic (about 30 s here); each update now reads one sender.
    n = 5000
    item = Item(
        id="crowd",
        kind="chat",
        messages=[Message(id=str(i), author=f"user{i}", text="you're so pretty") for i in range(n)],
    )
    started = time.perf_counter()
    a = assess(engine, item)
    assert time.perf_counter() - started < 5.0
    assert a.band not in HIGH_BANDS and a.conversation is not None
    assert len(a.conversation["participants"]) == n


def test_minor_rule_pairs_a_late_disclosure_with_an_early_sender(engine: Engine) -> None:
    # Many senders ask for pictures before anyone states an age; the disclosure, late, pairs with the first
    # of them (not with the discloser itself), and the warning lands on the disclosure.
    askers = [(f"user{i}", "send me a pic") for i in range(50)]
    a = assess(engine, chat(("user7", "im 14"), *askers[1:], ident="late"))
    rule = next(h for h in a.hits if h.indicator == "chat.minor_plus_contact_request")
    assert "Sender: 'user1'" in rule.explanation
    b = assess(engine, chat(*askers, ("user0", "im 14"), ident="late2"))
    assert b.conversation is not None and b.conversation["early_warning_message"] == 50
    rule = next(h for h in b.hits if h.indicator == "chat.minor_plus_contact_request")
    assert "Sender: 'user1'" in rule.explanation  # user0 disclosed: the rule needs another participant


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(PHRASES)), max_size=8))
def test_conversation_rules_are_those_that_hold_on_the_whole_chat(lines: list[tuple[str, str]]) -> None:
    """The incremental rule tracker agrees with reading every rule for every sender at the end (8 messages:
    every span of every indicator stays in its merged hit, so the facets can be read back from the hits).
    A `not_by_minor` rule never holds for a sender who discloses a minor's age anywhere in the chat."""
    engine = Engine(packaged_catalogues())
    a = assess(engine, chat(*lines))
    facets: dict[str, dict[str, Hit]] = {}
    for h in a.hits:
        if h.effect == "risk" and h.category != "conversation":
            for s in h.evidence:
                author = lines[s.message or 0][0]
                for facet in (h.stage, f"category:{h.category}"):
                    if facet is not None:
                        facets.setdefault(author, {}).setdefault(facet, h)
    minors = {p for p, own in facets.items() if AGE_DISCLOSURE in own}
    expected = {
        r.id
        for r in RULES
        for p, own in facets.items()
        if r.own(own) is not None
        and (not r.needs_minor or minors - {p})
        and not (r.not_by_minor and p in minors)
    }
    assert {h.indicator for h in a.hits if h.category == "conversation"} == expected


def test_a_minor_who_asks_an_age_back_and_agrees_to_secrecy_is_not_the_source(engine: Engine) -> None:
    a = assess(
        engine,
        chat(
            ("rob", "hey how old are you"),
            ("mia", "im 13. how old are you"),
            ("rob", "19. lets meet up saturday"),
            ("mia", "ok but dont tell anyone"),
        ),
    )
    conv = a.conversation
    assert conv is not None
    assert conv["source_participant"] == "rob"
    assert "chat.minor_plus_contact_request" in counted(a)
    assert "chat.exclusivity_plus_approach" not in counted(a)  # the minor's own secrecy + question back
    rule = next(h for h in a.hits if h.indicator == "chat.minor_plus_contact_request")
    # the rule's weight counts for its sender, and text for people numbers messages from 1
    assert conv["participants"]["rob"]["risk_mass"] > conv["participants"]["mia"]["risk_mass"]
    assert "Sender: 'rob'" in rule.explanation and "(message 2)" in rule.explanation


def test_a_chat_record_with_text_and_no_messages_is_read_as_a_message(engine: Engine) -> None:
    item = Item(
        id="c-text",
        kind="chat",
        author="reporter",
        text="i have your pics. i will send your pics to all your friends. pay me $300 now",
    )
    a = assess(engine, item)
    assert a.band == "critical"
    conv = a.conversation
    assert conv is not None and conv["messages_total"] == 1
    [shown] = evidence_excerpts(item.conversation(), a)
    assert shown["author"] == "reporter" and "pay me $300" in shown["text"]


def test_excerpts_stay_on_the_evidence_beyond_the_hits_evidence_cap(engine: Engine) -> None:
    filler = "we talked about the weather and the match and school and nothing much at all " * 8
    lines = [("sam", f"{filler} pay me $300 now {filler}") for _ in range(12)]
    item = chat(*lines)
    a = assess(engine, item)
    shown = evidence_excerpts(item.messages, a)
    assert len(shown) == 12
    assert all("pay me $300" in s["text"] for s in shown), [
        s["message"] for s in shown if "pay me" not in s["text"]
    ]


def test_a_minor_is_never_the_source_even_when_the_disclosure_comes_later(engine: Engine) -> None:
    later = assess(
        engine,
        chat(
            ("kid", "how old are you? keep it between us"), ("man", "22"), ("kid", "im 14"), ("man", "cool")
        ),
    )
    assert "chat.exclusivity_plus_approach" not in counted(later)
    assert later.conversation is not None and later.conversation["source_participant"] != "kid"
    report = assess(
        engine,
        chat(
            ("kid", "i'm 15 and he said he'll post my pics unless i pay. he said i'll send your pics to your "
             "school if you dont pay $200"),
            ("counsellor", "thank you for telling us, you did the right thing"),
        ),
    )  # fmt: skip
    assert report.band == "critical"  # a minor reporting sextortion is urgent...
    assert (
        report.conversation is not None and report.conversation["source_participant"] is None
    )  # ...not theirs


def test_a_chat_export_title_is_not_read_as_a_message(engine: Engine) -> None:
    item = chat(("mia", "hi im 14"), ("rex", "send me a pic"))
    item.title = "Secret club, dont tell your parents"
    a = assess(engine, item)
    assert a.conversation is not None and a.conversation["messages_total"] == 2
    assert set(a.conversation["participants"]) == {"mia", "rex"}


def stages_of(engine: Engine, text: str) -> set[str]:
    """The risk stages one message carries on its own."""
    return {h.stage for h in engine.evaluate(text, [], "chat") if h.effect == "risk" and h.stage}


# Chat spelling: the same move written the way people type it (u/ur/r, dont, ill, pics/pix, every1, 2/4).
SLANG: list[tuple[str, str]] = [
    ("rapport", "omg ur so mature 4 ur age fr"),
    ("rapport", "ur different from other girls"),
    ("rapport", "u can tell me anything"),
    ("rapport", "u look so grown up"),
    ("age_probing", "how old r u"),
    ("age_probing", "wat grade r u in"),
    ("age_probing", "ur 16 right?"),
    ("age_disclosure", "im 14f"),
    ("isolation", "ur parents dont understand u"),
    ("isolation", "they dont care about u like i do"),
    ("isolation", "ur friends r fake"),
    ("isolation", "im the only 1 who rly gets u"),
    ("secrecy", "dont tell ur mom"),
    ("secrecy", "pls delete our chats"),
    ("secrecy", "this stays between us"),
    ("secrecy", "keep it on the low ok"),
    ("secrecy", "no1 needs 2 know"),
    ("platform_move", "add me on sc"),
    ("platform_move", "lets talk on discord"),
    ("platform_move", "u got snap?"),
    ("platform_move", "whats ur insta"),
    ("gifts_money", "ill buy u robux"),
    ("gifts_money", "want vbucks?"),
    ("gifts_money", "i can send u $50"),
    ("image_request", "send pix"),
    ("image_request", "lemme see u"),
    ("image_request", "face pic?"),
    ("image_request", "send a pic of u in ur hoodie"),
    ("image_request", "send nudes"),
    ("sexualisation", "what r u wearin rn"),
    ("sexualisation", "r u alone"),
    ("sexualisation", "ur body is perfect"),
    ("meeting", "wanna meet up"),
    ("meeting", "i can pick u up after school"),
    ("meeting", "where do u live"),
    ("meeting", "sneak out tonight"),
    ("threat", "ill send ur pics to ur mom"),
    ("threat", "every1 will see them"),
    ("threat", "ur life is over"),
    ("threat", "i have ur pics"),
    ("threat", "i know where u live"),
    ("threat", "u have 10 min"),
    ("demand", "send $200 now"),
    ("demand", "send more or i post"),
    ("demand", "buy a steam card and send me the code"),
    ("control", "u owe me for everything"),
    ("control", "gimme ur passport"),
    ("control", "i hold ur id"),
    ("control", "u cant leave til u pay"),
    ("control", "u gotta work it off"),
    ("recruitment", "u get paid for every girl u bring"),
    ("recruitment", "find more girls"),
    ("recruitment", "u got any cute friends?"),
]


@pytest.mark.parametrize(("stage", "text"), SLANG, ids=[f"{s}-{t[:24]}" for s, t in SLANG])
def test_chat_spelling_is_read_as_its_stage(engine: Engine, stage: str, text: str) -> None:
    assert stage in stages_of(engine, text)


# Everyday messages with the same surface words: no risk stage on their own.
ORDINARY = [
    "send me the pics from the party",
    "send a pic of ur dog",
    "i'll send the photos to the group chat",
    "ill send ur photos to u tonight",
    "what r u wearing to the wedding",
    "u owe me one lol",
    "what school r u going to for the debate tournament, coach asked",
    "hop on vc for the raid",
    "do u want to come to the game",
    "i get u a coffee?",
    "dm me the link",
    "ur parents r so strict fr",
    "ill leave u alone",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_chat_spelling_carries_no_risk_stage(engine: Engine, text: str) -> None:
    assert stages_of(engine, text) == set()


def test_slang_grooming_reaches_critical_and_slang_friends_stay_below_high(engine: Engine) -> None:
    groomer = assess(
        engine,
        chat(
            ("vex", "how old r u"),
            ("nova", "13"),
            ("vex", "ur so mature 4 ur age. add me on snap"),
            ("vex", "dont tell ur mom bout me"),
            ("vex", "send a pic of u rn"),
        ),
    )
    assert groomer.band == "critical"
    assert groomer.conversation is not None and groomer.conversation["source_participant"] == "vex"
    friends = assess(
        engine,
        chat(
            ("ivy", "i got mom a necklace 4 her bday"),
            ("june", "omg dont tell her its a surprise"),
            ("ivy", "lol ok this stays between us. wanna hang at the mall tmrw"),
        ),
    )
    assert friends.band not in HIGH_BANDS


@pytest.mark.parametrize(
    "hostile",
    [
        "u " * 30000,
        "ur so " * 12000,
        "1" * 60000,
        "$1 " * 20000,
        "i " * 30000,
        "send me " * 10000,
        "'" * 60000,
    ],
    ids=["u", "ur-so", "digits", "prices", "i", "send-me", "quotes"],
)
def test_chat_patterns_stay_linear_on_hostile_text(engine: Engine, hostile: str) -> None:
    start = time.perf_counter()
    engine.evaluate(hostile, [], "chat")
    # A catastrophic-backtracking pattern takes minutes here; a linear one well under a second.
    assert time.perf_counter() - start < 10

"""Writes the labelled sets for the non-phone extractors (run from the repository root).

    python tests/data/labelled/gen_entities.py

One JSONL file per type: emails, urls, handles, payments, crypto, ages, prices, places. Each line is
{"text", "expected": [{"type", "value"}...], "family", "types"}; `expected` lists every entity of the line's
`types` in the text, so an empty list marks a decoy. Labels are written by hand here, never produced by the
extractors. Everything is synthetic: example.com/.org/.net and *.example domains, made-up names, and crypto
addresses derived deterministically from fixed seeds (no real wallet). Texts are non-graphic.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import base58
import bech32
from Crypto.Hash import keccak

HERE = Path(__file__).parent
Case = tuple[str, list[Any], str]  # text, expected values, family


def write(name: str, etype: str, cases: list[Case]) -> None:
    with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as f:
        for text, values, family in cases:
            expected = [{"type": etype, "value": v} for v in values]
            line = {"text": text, "expected": expected, "family": family, "types": [etype]}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


EMAILS: list[Case] = [
    ("Contact Jade.Rose@Example.com for bookings", ["jade.rose@example.com"], "plain"),
    ("email: mia_22@example.org (serious only)", ["mia_22@example.org"], "plain"),
    ("Write to bookings+vip@agency.example.net today.", ["bookings+vip@agency.example.net"], "plain"),
    ("reply to JOBS@RECRUIT.EXAMPLE.COM with your passport copy", ["jobs@recruit.example.com"], "plain"),
    (
        "Two ways: anna@example.com or anna.backup@example.org",
        ["anna@example.com", "anna.backup@example.org"],
        "plain",
    ),
    ("<lily@example.co.uk>", ["lily@example.co.uk"], "plain"),
    ("Questions? hr-team@work.example.", ["hr-team@work.example"], "plain"),
    ("(kim.lee@example.net)", ["kim.lee@example.net"], "plain"),
    ("mail me...sasha99@example.com!!!", ["sasha99@example.com"], "plain"),
    ("agency contact: info@models-example.com, phone inside", ["info@models-example.com"], "plain"),
    ("email jade at example dot com for rates", ["jade@example.com"], "obfuscated"),
    ("reach me: mia (at) example [dot] org", ["mia@example.org"], "obfuscated"),
    ("lily[at]example[dot]com", ["lily@example.com"], "obfuscated"),
    ("write rosie @ example.com", ["rosie@example.com"], "obfuscated"),
    ("contact kira@example . net", ["kira@example.net"], "obfuscated"),
    ("Email ME at candy22 AT example DOT org ok", ["candy22@example.org"], "obfuscated"),
    ("send cv to jobs {at} hiring-example {dot} com", ["jobs@hiring-example.com"], "obfuscated"),
    ("my mail is nina at example.com", ["nina@example.com"], "obfuscated"),
    ("vip.girls (at) agency dot example dot com", ["vip.girls@agency.example.com"], "obfuscated"),
    ("Tessa <at> example <dot> org", ["tessa@example.org"], "obfuscated"),
    ("sara ( at ) example ( dot ) net", ["sara@example.net"], "obfuscated"),
    ("bella at example dot co dot uk", ["bella@example.co.uk"], "obfuscated"),
    ("email me at jade at example dot com thanks", ["jade@example.com"], "obfuscated"),
    ("mia.rose AT example.org", ["mia.rose@example.org"], "obfuscated"),
    ("Meet me at home dot, not before 9", [], "decoy"),
    ("Text me at 617 555 0123", [], "decoy"),
    ("I'm at the hotel. Come up.", [], "decoy"),
    ("Rates @ $150/hr, see you at 9", [], "decoy"),
    ("follow @jade_rose on insta", [], "decoy"),
    ("price at door dot", [], "decoy"),
    ("user@localhost is not a mailbox", [], "decoy"),
    ("a@b.c", [], "decoy"),
    ("staying at example dot com hotel", [], "decoy"),
    ("Look at example dot com for pictures", [], "decoy"),
    ("I live at home, com on over", [], "decoy"),
    ("Arrive at Terminal B dot 5", [], "decoy"),
    ("available @ midnight", [], "decoy"),
    ("Call me at 9pm. Dot is my friend.", [], "decoy"),
    ("see example.com/contact for details", [], "decoy"),
    ("@@@ at at dot dot", [], "decoy"),
    ("jobs@example.com and jade at example dot org", ["jobs@example.com", "jade@example.org"], "mixed"),
    ("Kik: janed, email janed@example.com", ["janed@example.com"], "mixed"),
    ("mail jane\u200bdoe@example.com for dates", ["janedoe@example.com"], "hidden"),
    ("write john\xaddoe@example.org", ["johndoe@example.org"], "hidden"),
    ("contact andré.dupont@example.com please", ["andré.dupont@example.com"], "unicode"),
    ("renée_b@example.net (bookings)", ["renée_b@example.net"], "unicode"),
    ("ＪＡＮＥ@example.com", ["jane@example.com"], "hidden"),
    ("mia\u200b at example dot com", ["mia@example.com"], "hidden"),
]

URLS: list[Case] = [
    ("More pics at https://gallery.example.com/jade", ["https://gallery.example.com/jade"], "scheme"),
    ("See http://Board.EXAMPLE.org/ad/123?ref=top.", ["http://board.example.org/ad/123?ref=top"], "scheme"),
    ("apply: https://jobs.example.net:443/apply now", ["https://jobs.example.net/apply"], "scheme"),
    ("(http://example.com/profile)", ["http://example.com/profile"], "scheme"),
    ("link https://example.org:8080/x", ["https://example.org:8080/x"], "scheme"),
    ("https://bücher.example/katalog", ["https://xn--bcher-kva.example/katalog"], "scheme"),
    ("visit HTTPS://WWW.EXAMPLE.COM/", ["https://www.example.com"], "scheme"),
    (
        "two links: http://a.example.com and https://b.example.org/x",
        ["http://a.example.com", "https://b.example.org/x"],
        "scheme",
    ),
    ("www.example.com/jade", ["http://www.example.com/jade"], "www"),
    ("check WWW.Example.org!", ["http://www.example.org"], "www"),
    ("pics on www.gallery-example.net/p/2, thanks", ["http://www.gallery-example.net/p/2"], "www"),
    ("site: www.example.co.uk", ["http://www.example.co.uk"], "www"),
    ("go to example.com/jobs", ["http://example.com/jobs"], "bare"),
    ("details on agency.example.org", ["http://agency.example.org"], "bare"),
    ("t.me/jadexo", ["http://t.me/jadexo"], "bare"),
    ("onlyfans.com/jaderose", ["http://onlyfans.com/jaderose"], "bare"),
    ("book via Example.NET/book?id=4", ["http://example.net/book?id=4"], "bare"),
    ("links: example.io, example.xyz.", ["http://example.io", "http://example.xyz"], "bare"),
    ("my site is jade dot example dot com", ["http://jade.example.com"], "obfuscated"),
    ("find me at jaderose dot com", ["http://jaderose.com"], "obfuscated"),
    ("example [dot] org", ["http://example.org"], "obfuscated"),
    ("visit gallery(dot)example(dot)net", ["http://gallery.example.net"], "obfuscated"),
    ("see example [.] com", ["http://example.com"], "obfuscated"),
    ("Website: VIPGIRLS DOT EXAMPLE DOT COM", ["http://vipgirls.example.com"], "obfuscated"),
    ("e.g. this is fine", [], "decoy"),
    ("photo.jpg attached", [], "decoy"),
    ("mail jade@example.com", [], "decoy"),
    ("meet at home dot", [], "decoy"),
    ("I.M. new here", [], "decoy"),
    ("version 2.0 released", [], "decoy"),
    ("$150/hr...no games", [], "decoy"),
    ("the end.Com over", [], "decoy"),
    ("file: notes.txt", [], "decoy"),
    ("Mr.Smith called", [], "decoy"),
    ("ok.thanks bye", [], "decoy"),
    ("Dr. Dot is a name", [], "decoy"),
    ("hours: 10.30-22.00", [], "decoy"),
    ("costs 1.50 per min", [], "decoy"),
    ("polka dot dress", [], "decoy"),
    ("U.S. based", [], "decoy"),
    (
        "see https://example.com/a, and www.example.org",
        ["https://example.com/a", "http://www.example.org"],
        "mixed",
    ),
    ("wiki http://en.example.org/wiki/A_(b) ok", ["http://en.example.org/wiki/A_(b)"], "scheme"),
    ("gallery: https://example.com/jade#photos", ["https://example.com/jade"], "scheme"),
    ("www.example.org/ad#top for more", ["http://www.example.org/ad"], "www"),
]

HANDLES: list[Case] = [
    ("sc: jade_rose22", ["snapchat:jade_rose22"], "cue"),
    ("snap me jade.doe", ["snapchat:jade.doe"], "cue"),
    ("Snapchat - MiaXO", ["snapchat:miaxo"], "cue"),
    ("add me on kik: janed", ["kik:janed"], "cue"),
    ("kik me lily_b", ["kik:lily_b"], "cue"),
    ("IG @jade_official", ["instagram:jade_official"], "cue"),
    ("insta: Rosie.Vibes", ["instagram:rosie.vibes"], "cue"),
    ("follow my instagram @mia.daily", ["instagram:mia.daily"], "cue"),
    ("find me on telegram @jadexo", ["telegram:jadexo"], "cue"),
    ("TG: @kira_vip", ["telegram:kira_vip"], "cue"),
    ("wechat id: jane123", ["wechat:jane123"], "cue"),
    ("WeChat: lily8888", ["wechat:lily8888"], "cue"),
    ("OF: janey", ["onlyfans:janey"], "cue"),
    ("onlyfans @rosie_xo", ["onlyfans:rosie_xo"], "cue"),
    ("twitter @JadeRose", ["twitter:jaderose"], "cue"),
    ("X: @mia_vip", ["twitter:mia_vip"], "cue"),
    ("tiktok @dance.mia", ["tiktok:dance.mia"], "cue"),
    ("discord: kira#4821", ["discord:kira#4821"], "cue"),
    ("signal: jade.01", ["signal:jade.01"], "cue"),
    ("whatsapp: lily_work", ["whatsapp:lily_work"], "cue"),
    ("snap/ig: jade_d", ["snapchat:jade_d", "instagram:jade_d"], "cue"),
    ("t.me/jadexo", ["telegram:jadexo"], "url"),
    ("https://t.me/Kira_VIP", ["telegram:kira_vip"], "url"),
    ("onlyfans.com/jaderose", ["onlyfans:jaderose"], "url"),
    ("x.com/mia_vip", ["twitter:mia_vip"], "url"),
    ("www.instagram.com/rosie.vibes", ["instagram:rosie.vibes"], "url"),
    ("snapchat.com/add/jade_rose22", ["snapchat:jade_rose22"], "url"),
    ("tiktok.com/@dance.mia", ["tiktok:dance.mia"], "url"),
    ("twitter.com/JadeRose", ["twitter:jaderose"], "url"),
    ("no signal here, call instead", [], "decoy"),
    ("snap a photo for me", [], "decoy"),
    ("snap me now", [], "decoy"),
    ("hi @jade!", [], "decoy"),
    ("of course I can", [], "decoy"),
    ("instagram.com/p/abc123", [], "decoy"),
    ("disc: 45 rpm", [], "decoy"),
    ("whatsapp +1 617 555 0123", [], "decoy"),
    ("email jade@example.com", [], "decoy"),
    ("kik only", [], "decoy"),
    ("telegram me please", [], "decoy"),
    ("Discord server is down", [], "decoy"),
    ("Mix of snap and ig users", [], "decoy"),
    ("snap: jade_x and kik: jadex2", ["snapchat:jade_x", "kik:jadex2"], "mixed"),
    ("sc: jane\u200bdoe", ["snapchat:janedoe"], "hidden"),
    ("snap: jane\xadsmith", ["snapchat:janesmith"], "hidden"),
    ("IG: ｊａｎｅ＿ｄｏｅ", ["instagram:jane_doe"], "hidden"),
    ("kik: renée22", [], "decoy"),
    ("t.me/mia\u200bxo", ["telegram:miaxo"], "hidden"),
]

PAYMENTS: list[Case] = [
    ("deposit via cashapp $JadeRose22", ["cashapp:$jaderose22"], "cashtag"),
    ("$MiaXO for deposits", ["cashapp:$miaxo"], "cashtag"),
    ("send to $lily-b first", ["cashapp:$lily-b"], "cashtag"),
    ("CashApp: $KiraVIP", ["cashapp:$kiravip"], "cashtag"),
    ("cash app $rosie_22", ["cashapp:$rosie_22"], "cashtag"),
    ("pay $JaneDoe55 before", ["cashapp:$janedoe55"], "cashtag"),
    ("cash.app/$jadexo", ["cashapp:$jadexo"], "url"),
    ("https://cash.app/$MiaXO", ["cashapp:$miaxo"], "url"),
    ("cash app: janed", ["cashapp:$janed"], "cue"),
    ("venmo @Jade-Rose", ["venmo:@jade-rose"], "venmo"),
    ("Venmo: mia_xo22", ["venmo:@mia_xo22"], "venmo"),
    ("venmo.com/u/kira-vip", ["venmo:@kira-vip"], "venmo"),
    ("venmo.com/lilyb", ["venmo:@lilyb"], "venmo"),
    ("venmo me @rosie22", ["venmo:@rosie22"], "venmo"),
    ("paypal.me/JadeRose", ["paypal:jaderose"], "paypal"),
    ("https://www.paypal.me/miaxo22", ["paypal:miaxo22"], "paypal"),
    ("paypal.com/paypalme/KiraVIP", ["paypal:kiravip"], "paypal"),
    ("paypal: lily_b", ["paypal:lily_b"], "paypal"),
    ("$150/hr", [], "decoy"),
    ("$150 deposit", [], "decoy"),
    ("$1,200 for the weekend", [], "decoy"),
    ("$80hh $120hr", [], "decoy"),
    ("$BTC and $ETH accepted", [], "decoy"),
    ("US$200", [], "decoy"),
    ("cash app $150", [], "decoy"),
    ("cash only, no cash app", [], "decoy"),
    ("paypal: jane@example.com", [], "decoy"),
    ("price $ 150", [], "decoy"),
    ("$USD only", [], "decoy"),
    ("$$$ fast money $$$", [], "decoy"),
    ("stock tip: $AAPL", [], "decoy"),
    ("paypal me please", [], "decoy"),
    ("venmo only", [], "decoy"),
    ("pay me $300 on cash app right now", [], "decoy"),
    ("venmo works for me", [], "decoy"),
    ("paypal friends and family", [], "decoy"),
    ("send it on cashapp tonight babe", [], "decoy"),
    ("venmo is sweetjane", ["venmo:@sweetjane"], "cue"),
    ("cashapp jade_rose", ["cashapp:$jade_rose"], "cue"),
    ("$5", [], "decoy"),
    ("costs $20/day", [], "decoy"),
    ("about $300k a year", [], "decoy"),
    ("cashapp $JadeRose22 or venmo @jade-rose", ["cashapp:$jaderose22", "venmo:@jade-rose"], "mixed"),
    ("deposit $50 to $MiaXO", ["cashapp:$miaxo"], "mixed"),
    ("venmo @kira-vip, paypal.me/kiravip", ["venmo:@kira-vip", "paypal:kiravip"], "mixed"),
    ("$Lily22 / $150hr", ["cashapp:$lily22"], "mixed"),
    ("rates $200, cash.app/$RosieXO", ["cashapp:$rosiexo"], "mixed"),
    ("cashapp $Jade\u200bRose", ["cashapp:$jaderose"], "hidden"),
    ("venmo @mia\xad-b", ["venmo:@mia-b"], "hidden"),
    ("paypal.me/ｌｉｌｙｂ", ["paypal:lilyb"], "hidden"),
]


def _btc_p2pkh(seed: bytes, version: int = 0) -> str:
    return base58.b58encode_check(bytes([version]) + hashlib.sha256(seed).digest()[:20]).decode()


def _segwit(seed: bytes, witver: int, size: int) -> str:
    program = list(hashlib.sha256(seed).digest()[:size])
    if witver == 0:
        address = bech32.encode("bc", 0, program)
        assert address is not None
        return address
    data = [witver, *(bech32.convertbits(program, 8, 5) or [])]
    polymod = bech32.bech32_polymod([*bech32.bech32_hrp_expand("bc"), *data, 0, 0, 0, 0, 0, 0]) ^ 0x2BC830A3
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(bech32.CHARSET[d] for d in data + checksum)


def _eth(seed: bytes) -> str:
    hexpart = hashlib.sha256(seed).hexdigest()[:40]
    digest = keccak.new(digest_bits=256, data=hexpart.encode()).hexdigest()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexpart, digest[:40], strict=True)
    )


def _flip(address: str) -> str:
    """Change one character so the checksum no longer holds (kept inside the address's alphabet)."""
    i = len(address) - 3
    swap = {"a": "b", "b": "a", "2": "3", "3": "2"}
    c = address[i]
    return address[:i] + swap.get(c, "a" if c != "a" else "b") + address[i + 1 :]


def _flip_case(address: str) -> str:
    """Toggle the case of one letter of an EIP-55 address: still valid hex, wrong checksum."""
    for i in range(len(address) - 1, 1, -1):
        if address[i].isalpha():
            return address[:i] + address[i].swapcase() + address[i + 1 :]
    return address


def crypto_cases() -> list[Case]:
    cases: list[Case] = []
    for k in range(10):
        a = _btc_p2pkh(b"tg-btc-%d" % k)
        cases.append((f"BTC only: {a} thanks", [f"btc:{a}"], "p2pkh"))
    for k in range(4):
        a = _btc_p2pkh(b"tg-p2sh-%d" % k, 5)
        cases.append((f"send to {a}.", [f"btc:{a}"], "p2sh"))
    for k in range(4):
        a = _segwit(b"tg-sw-%d" % k, 0, 20)
        cases.append((f"bitcoin (segwit) {a.upper() if k % 2 else a}", [f"btc:{a}"], "bech32"))
    for k in range(3):
        a = _segwit(b"tg-tr-%d" % k, 1, 32)
        cases.append((f"taproot {a}", [f"btc:{a}"], "bech32m"))
    for k in range(6):
        a = _eth(b"tg-eth-%d" % k)
        cases.append((f"ETH/USDT: {a}", [f"eth:{a.lower()}"], "eth_checksummed"))
    for k in range(3):
        a = _eth(b"tg-ethlow-%d" % k).lower()
        cases.append((f"eth wallet {a} pls", [f"eth:{a}"], "eth_lowercase"))
    for k in range(6):
        a = _btc_p2pkh(b"tg-bad-%d" % k)
        cases.append((f"BTC: {_flip(a)}", [], "decoy_checksum"))
    for k in range(4):
        cases.append((f"ETH: {_flip_case(_eth(b'tg-badeth-%d' % k))}", [], "decoy_checksum"))
    for k in range(2):
        cases.append((f"bc: {_flip(_segwit(b'tg-badsw-%d' % k, 0, 20))}", [], "decoy_checksum"))
    tx = hashlib.sha256(b"tg-tx").hexdigest()
    cases += [
        (f"tx hash 0x{tx}", [], "decoy"),
        ("order #1A2b3C4d5E6f7G8h9J1k2L3m4N5p6Q", [], "decoy"),
        ("call 617 555 0123, ref 3000000000000000000000000000", [], "decoy"),
        ("colour #0x00ff00 and 0x1234", [], "decoy"),
        ("password1234567890abcdefghijklmnop", [], "decoy"),
    ]
    a, e = _btc_p2pkh(b"tg-mix"), _eth(b"tg-mix")
    cases.append((f"BTC {a} or ETH {e}", [f"btc:{a}", f"eth:{e.lower()}"], "mixed"))
    return cases


AGES: list[Case] = [
    ("Sweet 22 yrs, new in town", [22], "years"),
    ("I'm 19 and new here", [19], "im"),
    ("age: 21", [21], "age_cue"),
    ("Jade, 19yo, petite", [19], "yo"),
    ("twenty-two years old", [22], "words"),
    ("24 y/o latina", [24], "yo"),
    ("Mia 23 y.o. available", [23], "yo"),
    ("im 25, real pics", [25], "im"),
    ("I am 30 and discreet", [30], "im"),
    ("Aged 27, fit", [27], "age_cue"),
    ("just turned 21!", [21], "turned"),
    ("she just turned 16", [16], "turned"),
    ("I'm 12 miles away from the airport", [], "decoy_unit"),
    ("I'm 15 blocks from the hotel", [], "decoy_unit"),
    ("I'm 14 weeks along", [], "decoy_unit"),
    ("I'm 13 days sober", [], "decoy_unit"),
    ("Age 12 months warranty", [], "decoy_unit"),
    ("I'm 10 years into this business", [], "decoy_duration"),
    ("Our agency turned 15 this year", [], "decoy_thing"),
    ("22 years young", [22], "years"),
    ("a 20-year-old student", [20], "years"),
    ("nineteen y/o", [19], "words"),
    ("Age 34", [34], "age_cue"),
    ("28yrs old", [28], "years"),
    ("I'm only 18", [18], "im"),
    ("thirty years old and proud", [30], "words"),
    ("Kira, 26 years old, Boston", [26], "years"),
    ("age is 45", [45], "age_cue"),
    ("I'm 24. Text me", [24], "im"),
    ("Twenty three yrs old", [23], "words"),
    ("new 18+", [], "decoy_gate"),
    ("must be 18+ to reply", [], "decoy_gate"),
    ("ages 18+ only", [], "decoy_gate"),
    ("10 years experience required", [], "decoy_duration"),
    ("in business for 20 years", [], "decoy_duration"),
    ("over 15 years of service", [], "decoy_duration"),
    ("5'6 120 lbs", [], "decoy_body"),
    ("34-24-36 curves", [], "decoy_body"),
    ("$150/hr", [], "decoy_price"),
    ("150 roses", [], "decoy_price"),
    ("call 617 555 0123", [], "decoy_phone"),
    ("open 24/7", [], "decoy"),
    ("I'm 100% real", [], "decoy"),
    ("I'm 25 min away", [], "decoy"),
    ("age 9 months warranty", [], "decoy"),
    ("room 22, floor 3", [], "decoy"),
    ("20 years ago", [], "decoy_duration"),
    ("I'm 5'7", [], "decoy_body"),
    ("Jade 22 yrs, Mia 24yo", [22, 24], "mixed"),
    ("I'm 21 and age: 21 on my id", [21, 21], "mixed"),
]

PRICES: list[Case] = [
    ("$150/hr", [[150.0, "USD", "hour", False]], "symbol"),
    ("€80 half hour", [[80.0, "EUR", "half hour", False]], "symbol"),
    ("£60 half an hour", [[60.0, "GBP", "half hour", False]], "symbol"),
    ("Rates: $200 per hour", [[200.0, "USD", "hour", False]], "symbol"),
    ("$1,200 weekend", [[1200.0, "USD", None, False]], "symbol"),
    ("$80 hh", [[80.0, "USD", "half hour", False]], "symbol"),
    ("150$ an hour", [[150.0, "USD", "hour", False]], "symbol"),
    ("$120 qv", [[120.0, "USD", "visit", False]], "symbol"),
    ("only $19.99 per session", [[19.99, "USD", "visit", False]], "symbol"),
    ("€250 overnight", [[250.0, "EUR", "overnight", False]], "symbol"),
    ("150 roses", [[150.0, None, None, True]], "coded"),
    ("200 roses/hr", [[200.0, None, "hour", True]], "coded"),
    ("100 donations for half hour", [[100.0, None, "half hour", True]], "coded"),
    ("80 roses qv", [[80.0, None, "visit", True]], "coded"),
    ("300 gifts overnight", [[300.0, None, "overnight", True]], "coded"),
    ("200 for an hour", [[200.0, None, "hour", False]], "bare_rate"),
    ("80hh", [[80.0, None, "half hour", False]], "bare_rate"),
    ("120 hh 200 hr", [[120.0, None, "half hour", False], [200.0, None, "hour", False]], "bare_rate"),
    ("100 for half hour", [[100.0, None, "half hour", False]], "bare_rate"),
    ("250 per hour", [[250.0, None, "hour", False]], "bare_rate"),
    ("300 overnight", [[300.0, None, "overnight", False]], "bare_rate"),
    ("150/hr", [[150.0, None, "hour", False]], "bare_rate"),
    ("100 USD", [[100.0, "USD", None, False]], "word_currency"),
    ("80 euros", [[80.0, "EUR", None, False]], "word_currency"),
    ("200 dollars an hour", [[200.0, "USD", "hour", False]], "word_currency"),
    ("available 24 hours", [], "decoy"),
    ("24hr service", [], "decoy"),
    ("10 hours a day", [], "decoy"),
    ("call 617 555 0123", [], "decoy_phone"),
    ("617-555-0199 hh", [], "decoy_phone"),
    ("22 yrs old", [], "decoy_age"),
    ("I'm 5'6 120 lbs", [], "decoy_body"),
    ("34-24-36", [], "decoy_body"),
    ("open 10 am to 2 pm", [], "decoy"),
    ("2 hr minimum", [], "decoy"),
    ("$JaneDoe55", [], "decoy_cashtag"),
    ("room 150", [], "decoy"),
    ("100% real", [], "decoy"),
    ("age 21", [], "decoy_age"),
    ("24/7", [], "decoy"),
    ("$150/hr, 100 roses hh", [[150.0, "USD", "hour", False], [100.0, None, "half hour", True]], "mixed"),
    ("qv 80 hh 120", [[80.0, None, "visit", False], [120.0, None, "half hour", False]], "unit_first"),
    # separators, labelled numbers and phone tails (a reviewer's findings)
    ("$1.5 extra", [[1.5, "USD", None, False]], "decimals"),
    ("€1,50 per session", [[1.5, "EUR", "visit", False]], "decimals"),
    ("€1.000 a week", [[1000.0, "EUR", None, False]], "thousands"),
    ("1.000€ overnight", [[1000.0, "EUR", "overnight", False]], "thousands"),
    ("€1.000,50", [[1000.5, "EUR", None, False]], "thousands"),
    ("$1.000 la noche", [[1000.0, "USD", None, False]], "thousands"),
    ("$150, 200 roses", [[150.0, "USD", None, False], [200.0, None, None, True]], "mixed"),
    ("Just 250 per night", [[250.0, None, "overnight", False]], "bare_rate"),
    (
        "Rates 150 per hour, 300 overnight",
        [[150.0, None, "hour", False], [300.0, None, "overnight", False]],
        "bare_rate",
    ),
    ("$1.2.3", [], "decoy"),
    ("Route 66 overnight", [], "decoy_label"),
    ("Flight 1549 overnight", [], "decoy_label"),
    ("Posted 2024 per night", [], "decoy_label"),
    ("Speed 60 per hour", [], "decoy_label"),
    ("Room #212 per night", [], "decoy_label"),
    ("Call 617 555 0123 for an hour", [], "decoy_phone"),
    ("€80 or 150 roses overnight", [[80.0, "EUR", None, False], [150.0, None, "overnight", True]], "mixed"),
]

PLACES: list[Case] = [
    ("New in Boston, MA this week", ["Boston, MA"], "city_state"),
    ("visiting Houston tonight", ["Houston, TX"], "city"),
    ("NYC and LA tour", ["New York City, NY", "Los Angeles, CA"], "alias"),
    ("Portland, Maine only", ["Portland, ME"], "city_state"),
    ("in Mobile, AL", ["Mobile, AL"], "ambiguous_cued"),
    ("near Reading station", ["Reading, GB"], "ambiguous_cued"),
    ("Kansas City, MO", ["Kansas City, MO"], "city_state"),
    ("St. Louis outcall", ["St. Louis, MO"], "city"),
    ("Winston-Salem incall", ["Winston-Salem, NC"], "city"),
    ("in Madrid, Spain", ["Madrid, ES"], "world"),
    ("São Paulo agency", ["São Paulo, BR"], "world"),
    ("Washington DC weekend", ["Washington, DC"], "city_state"),
    ("arriving Chicago tomorrow", ["Chicago, IL"], "city"),
    ("in philly next week", ["Philadelphia, PA"], "alias"),
    ("Vegas baby", ["Las Vegas, NV"], "alias"),
    ("Paris, TX", ["Paris, TX"], "city_state"),
    ("touring Texas", ["Texas, US"], "state"),
    ("in austin", ["Austin, TX"], "lowercase_cued"),
    ("Newark, New Jersey", ["Newark, NJ"], "city_state"),
    ("Springfield IL", ["Springfield, IL"], "city_state"),
    ("NEW IN TOWN DENVER", ["Denver, CO"], "caps"),
    ("Atlanta and Miami", ["Atlanta, GA", "Miami, FL"], "city"),
    ("Seattle, WA to Phoenix, AZ", ["Seattle, WA", "Phoenix, AZ"], "city_state"),
    ("London, United Kingdom", ["London, GB"], "world"),
    ("from Toronto", ["Toronto, CA"], "world"),
    ("Normal, IL", ["Normal, IL"], "ambiguous_cued"),
    ("Nice to meet you", [], "decoy_word"),
    ("Reading is my hobby", [], "decoy_word"),
    ("March 3rd only", [], "decoy_word"),
    ("Independence Day special", [], "decoy_word"),
    ("Mobile number below", [], "decoy_word"),
    ("NICE GIRL", [], "decoy_word"),
    ("Ask for Austin", [], "decoy_name"),
    ("Bath time", [], "decoy_word"),
    ("a normal day", [], "decoy_word"),
    ("Victoria is my name", [], "decoy_name"),
    ("boston cream pie", [], "decoy_lowercase"),
    ("la la land", [], "decoy_alias"),
    ("Orange juice", [], "decoy_word"),
    ("I love Paris perfume", [], "decoy_name"),
    ("Jackson will answer", [], "decoy_name"),
    ("Mission: fun", [], "decoy_word"),
    ("in Nice tonight", ["Nice, FR"], "ambiguous_cued"),
    ("Tampa, FL and Orlando", ["Tampa, FL", "Orlando, FL"], "mixed"),
]


def main() -> None:
    write("emails", "email", EMAILS)
    write("urls", "url", URLS)
    write("handles", "handle", HANDLES)
    write("payments", "payment", PAYMENTS)
    write("crypto", "crypto", crypto_cases())
    write("ages", "age", AGES)
    write("places", "place", PLACES)
    # Prices carry their unit, currency and coded flag: value is [amount, currency, unit, coded].
    with (HERE / "prices.jsonl").open("w", encoding="utf-8") as f:
        for text, values, family in PRICES:
            expected = [
                {"type": "price", "value": v[0], "attrs": {"currency": v[1], "unit": v[2], "coded": v[3]}}
                for v in values
            ]
            f.write(
                json.dumps({"text": text, "expected": expected, "family": family, "types": ["price"]}) + "\n"
            )


if __name__ == "__main__":
    main()

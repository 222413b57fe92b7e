"""Writes personal data the way real exports hold it, for tests/privacy.rs.

argv[1]: a folder. Writes `payments.parquet` by pyarrow with text columns `iban`, `card`,
`client_ip`, `contact`, `comment` and `holder_ref` (Spanish DNIs, French NIRs and Norwegian
fødselsnummer, a quarter of them with a wrong check), and prints, as JSON, the counts this script's own
checksum code expects readiness to find (so the test does not take readiness's word for them).
"""
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return 13 <= len(digits) <= 19 and total % 10 == 0


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "")
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni(number: int) -> str:
    return f"{number:08d}{DNI_LETTERS[number % 23]}"


def nir(number: int) -> str:
    """`number`: the first 13 digits; the key is 97 - number mod 97."""
    s = f"{number:013d}{97 - number % 97:02d}"
    return f"{s[0]} {s[1:3]} {s[3:5]} {s[5:7]} {s[7:10]} {s[10:13]} {s[13:]}"


def fodselsnummer(nine: str):
    digits = [int(c) for c in nine]
    for weights in ([3, 7, 6, 1, 8, 9, 4, 5, 2], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]):
        k = 11 - sum(w * d for w, d in zip(weights, digits)) % 11
        if k == 10:
            return None
        digits.append(0 if k == 11 else k)
    return "".join(map(str, digits))


def national_ok(value: str) -> bool:
    compact = value.replace(" ", "")
    if compact[-1].isalpha():
        return DNI_LETTERS[int(compact[:-1]) % 23] == compact[-1]
    if len(compact) == 15:
        return 97 - int(compact[:13]) % 97 == int(compact[13:])
    return fodselsnummer(compact[:9]) == compact


n = 200
ibans = ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "NL91ABNA0417164300", "DE88370400440532013000"]
cards = ["4111111111111111", "5500 0055 5555 5559", "378282246310005", "4111111111111112"]
iban = [ibans[i % 4] for i in range(n)]
card = [cards[i % 4] if i % 10 else None for i in range(n)]
client_ip = [f"10.{i % 256}.0.{i % 7}" if i % 3 else f"2001:db8::{i:x}" for i in range(n)]
contact = [f"+49 30 {1000000 + i}" if i % 2 else f"c{i}@example.net" for i in range(n)]
comment = []
for i in range(n):
    if i % 20 == 1:
        comment.append(f"refund to {ibans[0]} please")
    elif i % 25 == 2:
        comment.append(f"card {cards[0]} was charged twice")
    elif i % 50 == 3:
        comment.append(f"mail me at someone{i}@example.com")
    else:
        comment.append(f"all fine, ticket {i}")
holder_ref = []
for i in range(n):
    if i % 4 == 0:
        holder_ref.append(dni(10_000_000 + i * 7919))
    elif i % 4 == 1:
        # Sex 1, born 1984 in month 1..12, department 75, commune and order numbers.
        holder_ref.append(nir(int(f"184{i % 12 + 1:02d}75{i:03d}{i * 37 % 1000:03d}")))
    elif i % 4 == 2:
        # A birth day (01..28), month, year and an individual number with valid checks.
        holder_ref.append(next(
            f for f in (fodselsnummer(f"{i % 28 + 1:02d}{i % 12 + 1:02d}85{k:03d}") for k in range(i, i + 50)) if f
        ))
    else:
        good = dni(20_000_000 + i)
        holder_ref.append(good[:-1] + ("A" if good[-1] != "A" else "B"))
pq.write_table(
    pa.table(
        {
            "iban": iban,
            "card": card,
            "client_ip": client_ip,
            "contact": contact,
            "comment": comment,
            "holder_ref": holder_ref,
        }
    ),
    Path(sys.argv[1]) / "payments.parquet",
)
print(
    json.dumps(
        {
            "iban_valid": sum(iban_ok(v) for v in iban),
            "card_values": sum(v is not None for v in card),
            "card_valid": sum(v is not None and luhn(v) for v in card),
            "ip": len(client_ip),
            "contact_email": sum("@" in v for v in contact),
            "contact_phone": sum(v.startswith("+") for v in contact),
            "comment_iban": sum(1 for v in comment if "refund" in v and iban_ok(ibans[0])),
            "comment_card": sum(1 for v in comment if v.startswith("card") and luhn(cards[0])),
            "comment_email": sum(1 for v in comment if "@" in v),
            "national_valid": sum(national_ok(v) for v in holder_ref),
            "secret_national": holder_ref[1],
        }
    )
)

"""Writes personal data the way real exports hold it, for tests/privacy.rs.

argv[1]: a folder. Writes `payments.parquet` by pyarrow with text columns `iban`, `card`,
`client_ip`, `contact` and `comment`, and prints, as JSON, the counts this script's own
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
pq.write_table(
    pa.table(
        {"iban": iban, "card": card, "client_ip": client_ip, "contact": contact, "comment": comment}
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
        }
    )
)

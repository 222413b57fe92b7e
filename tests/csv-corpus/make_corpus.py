"""Writes the messy-CSV corpus and its expected figures (expected.json).

Each file is built by hand to plant known defects; the expected figures follow from how the
file is built (rows written, rows broken on purpose, values left missing), never from running
readiness. Run it again only to change the corpus: `python3 tests/csv-corpus/make_corpus.py`.
File 30 is written by pandas (`DataFrame.to_csv`, RFC 4180 quoting) when pandas is installed;
the committed copy was made by pandas.
"""
import gzip
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = []


def put(name, data, rows, rejected=(), columns=None, missing=None, delimiter=",", quote='"',
        escape=None, header=True, encoding="UTF-8", polars=None, blank_lines=0, args=()):
    """Writes one file. `rejected` lists (line, kind); `missing` maps a column to its count of
    missing values (null + NaN + blank + placeholder). `polars` says how Polars is asked to read
    it (its options), or why it cannot express the file's dialect. `blank_lines` counts empty
    lines outside quotes: not rows (as pandas and Python's csv read them), while Polars reads
    each as a row of nulls. `args` are readiness flags the file is scanned with."""
    path = os.path.join(HERE, name)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as out:
        out.write(data)
    EXPECTED.append({
        "file": name,
        "rows": rows,
        "rejected": [{"line": line, "kind": kind} for line, kind in rejected],
        "columns": columns,
        "missing": missing or {},
        "dialect": {"delimiter": delimiter, "quote": quote, "escape": escape,
                    "header": header, "encoding": encoding},
        "polars": polars or {},
        "blank_lines": blank_lines,
        "args": list(args),
    })


# 01: clean.
put("01_plain.csv", "a,b,c\n1,x,2.5\n2,y,3.5\n3,z,4.5\n", 3, columns=["a", "b", "c"],
    missing={"a": 0, "b": 0, "c": 0})

# 02: quoted line breaks far down the file (row 60 and row 90), as free-text comments are.
lines = ["id,comment"]
for i in range(1, 101):
    if i == 60:
        lines.append(f'{i},"first line\nsecond line, with a comma"')
    elif i == 90:
        lines.append(f'{i},"windows\r\nbreak"')
    else:
        lines.append(f"{i},plain {i}")
put("02_quoted_newlines_late.csv", "\n".join(lines) + "\n", 100, columns=["id", "comment"],
    missing={"id": 0, "comment": 0})

# 03: an unclosed quote on data line 2 (file line 3): its line is rejected, the rest is read.
put("03_unclosed_quote.csv", 'a,b\n1,ok\n2,"never closed\n3,fine\n4,fine\n5,fine\n', 4,
    rejected=[(3, "unclosed_quote")], columns=["a", "b"], missing={"a": 0, "b": 0})

# 04: a header with a repeated name, an empty name and an escaped quote.
put("04_header_names.csv", 'x,x,,select,"we""ird"\n1,2,3,4,5\n6,7,8,9,10\n', 2,
    columns=["x", "x_2", "column_3", "select", 'we"ird'],
    missing={"x": 0, "x_2": 0, "column_3": 0})

# 05: one row with too many fields (line 4).
put("05_too_many_fields.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n11,12,13\n14,15,16\n", 4,
    rejected=[(4, "too_many_fields")], columns=["a", "b", "c"])

# 06: one row with too few fields (line 3); Polars pads it with nulls.
put("06_too_few_fields.csv", "a,b,c\n1,2,3\n4,5\n7,8,9\n10,11,12\n14,15,16\n", 4,
    rejected=[(3, "too_few_fields")], columns=["a", "b", "c"])

# 07: a UTF-8 byte-order mark: the first column is `id`, not `\ufeffid`.
put("07_bom.csv", b"\xef\xbb\xbfid,name\n1,ann\n2,bob\n3,cy\n", 3, columns=["id", "name"])

# 08: CRLF line endings.
put("08_crlf.csv", "id,name\r\n1,ann\r\n2,bob\r\n3,cy\r\n", 3, columns=["id", "name"],
    missing={"name": 0})

# 09: mixed line endings.
put("09_mixed_endings.csv", "id,name\n1,ann\r\n2,bob\n3,cy\r\n4,dan\n", 4,
    columns=["id", "name"])

# 10: no final newline.
put("10_no_final_newline.csv", "id,name\n1,ann\n2,bob\n3,cy", 3, columns=["id", "name"])

# 11: semicolons, with decimal commas in the values.
put("11_semicolon.csv", "id;price;note\n1;1,50;a\n2;2,75;b\n3;;c\n", 3,
    columns=["id", "price", "note"], missing={"price": 1}, delimiter=";",
    polars={"separator": ";"})

# 12: tabs.
put("12_tab.tsv", "id\tname\tscore\n1\tann\t3\n2\tbob\t\n3\tcy\t5\n", 3,
    columns=["id", "name", "score"], missing={"score": 1}, delimiter="\t",
    polars={"separator": "\t"})

# 13: pipes, with a pipe inside a quoted field.
put("13_pipe.csv", 'id|text\n1|"a|b"\n2|c\n3|d\n', 3, columns=["id", "text"], delimiter="|",
    polars={"separator": "|"})

# 14: single quotes as the quote character.
put("14_single_quote.csv", "id,name\n1,'Smith, Ann'\n2,'Jones, Bob'\n3,'Lee, Cy'\n", 3,
    columns=["id", "name"], quote="'", polars={"quote_char": "'"})

# 15: quotes escaped with a backslash (as MySQL exports them).
put("15_backslash_escape.csv",
    'id,quote\n1,"she said \\"hi\\", then left"\n2,"plain"\n3,"x \\"y\\""\n', 3,
    columns=["id", "quote"], escape="\\",
    polars={"unsupported": "Polars has no escape-character option"})

# 16: no header line: every line is data. Its first line's values could be names, so it is
# read as pandas, Polars and R read a first line, as a header, unless told (--no-header).
put("16_no_header.csv", "1,2.5,2024-01-01\n2,3.5,2024-01-02\n3,4.5,2024-01-03\n", 3,
    columns=["column_1", "column_2", "column_3"], header=False,
    polars={"has_header": False}, args=["--no-header"])

# 17: Windows-1252 (Latin-1 superset): é ü and the euro sign.
put("17_windows1252.csv", "id,name,price\n1,José,5 €\n2,Müller,7 €\n3,Ærø,9 €\n".encode("cp1252"),
    3, columns=["id", "name", "price"], encoding="windows-1252",
    polars={"decode": "cp1252"})

# 18: UTF-16 little-endian with a byte-order mark.
put("18_utf16le.csv", "id,name\n1,Zoë\n2,Łukasz\n3,東京\n".encode("utf-16"), 3,
    columns=["id", "name"], encoding="UTF-16LE", polars={"decode": "utf-16"})

# 19: UTF-16 big-endian with a byte-order mark.
put("19_utf16be.csv", b"\xfe\xff" + "id,name\n1,Zoë\n2,Ana\n".encode("utf-16-be"), 2,
    columns=["id", "name"], encoding="UTF-16BE", polars={"decode": "utf-16"})

# 20: UTF-8 with one row holding a byte that is not UTF-8 (line 4).
put("20_invalid_utf8_row.csv",
    "id,city\n1,Zürich\n2,Genève\n".encode() + b"3,Bad\xffByte\n" + "4,Köln\n5,Malmö\n".encode(),
    4, rejected=[(4, "invalid_encoding")], columns=["id", "city"])

# 21: placeholders, blanks and empties (missing = null + blank + placeholder).
put("21_placeholders.csv",
    'id,status,score\n1,N/A,1\n2,unknown,\n3,-,3\n4,"  ",4\n5,ok,NaN\n6,"",6\n7,fine,7\n', 7,
    columns=["id", "status", "score"], missing={"id": 0, "status": 5, "score": 2})

# 22: blank lines between rows are not rows.
put("22_blank_lines.csv", "id,name\n1,ann\n\n2,bob\n\n\n3,cy\n", 3, columns=["id", "name"],
    blank_lines=3)

# 23: delimiters, quotes and line breaks inside quoted fields.
put("23_quoted_delimiters.csv",
    'id,address,note\n1,"1 Main St, Springfield","says ""hello"""\n2,"PO Box 5, Town","two\nlines"\n', 2,
    columns=["id", "address", "note"])

# 24: an empty quoted field is missing like an empty one.
put("24_empty_quoted.csv", 'a,b,c\n1,"",x\n2,,y\n3,z,""\n', 3, columns=["a", "b", "c"],
    missing={"b": 2, "c": 1})

# 25: a header and no rows.
put("25_header_only.csv", "id,name,score\n", 0, columns=["id", "name", "score"])

# 26: several ragged rows: lines 3 and 7 too many, line 9 too few.
put("26_ragged.csv",
    "a,b,c\n1,2,3\n4,5,6,x\n7,8,9\n10,11,12\n13,14,15\n16,17,18,y,z\n19,20,21\n22,23\n25,26,27\n", 6,
    rejected=[(3, "too_many_fields"), (7, "too_many_fields"), (9, "too_few_fields")],
    columns=["a", "b", "c"])

# 27: a header name with a quoted line break.
put("27_header_line_break.csv", '"first\nname",age\nann,30\nbob,40\n', 2,
    columns=["first\nname", "age"])

# 28: CRLF with quoted CRLF line breaks inside fields.
put("28_crlf_quoted_breaks.csv",
    'id,text\r\n1,"a\r\nb"\r\n2,plain\r\n3,"c\r\n\r\nd"\r\n', 3, columns=["id", "text"])

# 29: an unclosed quote on the last line, with a final newline.
put("29_unclosed_quote_last_line.csv", 'a,b\n1,x\n2,y\n3,"oops\n', 2,
    rejected=[(4, "unclosed_quote")], columns=["a", "b"])

# 30: a pandas export (DataFrame.to_csv) of free-text comments with line breaks, quotes and
# commas from row 45 on: the "Expected 9 records, found 7 at line 46" file.
try:
    import pandas as pd
    comments = []
    for i in range(80):
        if i >= 45 and i % 5 == 0:
            comments.append(f'Breach {i}: "leaked",\nsee ticket\n#{i}')
        else:
            comments.append(f"note {i}")
    frame = pd.DataFrame({
        "id": range(80),
        "org": [f"org {i % 7}" for i in range(80)],
        "records": [i * 10 if i % 9 else None for i in range(80)],
        "comment": comments,
    })
    frame.to_csv(os.path.join(HERE, "30_pandas_free_text.csv"), index=False)
except ImportError:
    pass
EXPECTED.append({
    "file": "30_pandas_free_text.csv", "rows": 80, "rejected": [],
    "columns": ["id", "org", "records", "comment"],
    "missing": {"id": 0, "org": 0, "records": 9, "comment": 0},
    "dialect": {"delimiter": ",", "quote": '"', "escape": None, "header": True,
                "encoding": "UTF-8"},
    "polars": {},
    "blank_lines": 0,
    "args": [],
})

# 31: gzip-compressed, with a rejected row (line 3): the cleaned copy is gzip too.
put("31_gzip_reject.csv.gz", gzip.compress(b"k,v\n1,a\n2,b,extra\n3,c\n4,d\n"), 3,
    rejected=[(3, "too_many_fields")], columns=["k", "v"],
    polars={"note": "read from the decompressed bytes"})

# 32: Windows-1252, semicolons and a row with too many fields (line 3): decoded and cleaned.
put("32_windows1252_semicolon_reject.csv",
    "id;name\n1;Café\n2;Crème;brûlée\n3;Noël\n".encode("cp1252"), 2,
    rejected=[(3, "too_many_fields")], columns=["id", "name"], delimiter=";",
    encoding="windows-1252", polars={"separator": ";", "decode": "cp1252"})

# 33: a whitespace-only line is a row with one field: too few.
put("33_whitespace_line.csv", "a,b\n1,2\n   \n3,4\n", 2, rejected=[(3, "too_few_fields")],
    columns=["a", "b"])

# 34: a column empty in every row but the last (well inside the 20,000-row sample here):
# typed from its one value, never lost.
put("34_one_late_value.csv", "id,flag\n" + "".join(f"{i},\n" for i in range(1, 50)) + "50,YES\n",
    50, columns=["id", "flag"], missing={"flag": 49})

with open(os.path.join(HERE, "expected.json"), "w") as out:
    json.dump(EXPECTED, out, indent=1, ensure_ascii=False)
    out.write("\n")

#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from the real data of ../shared/data (see its
README.md): truncated samples of a few KB, never whole datasets. Model seeds are fitted by the
wsl command on real label matrices.

usage: python3 tests/fuzz/make_seeds.py DATA_DIR WSL_BINARY
Writes tests/fuzz/corpus/<target>/<name>; existing seeds are overwritten.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

data, wsl = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
LIMIT = 4096


def out(target, name, blob):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(blob, str):
        blob = blob.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def head_lines(path, max_lines, limit=LIMIT):
    lines = []
    size = 0
    with open(path) as f:
        for line in f:
            if len(lines) >= max_lines or size + len(line) > limit:
                break
            lines.append(line)
            size += len(line)
    return "".join(lines)


datasets = ["youtube", "sms", "trec", "chemprot", "tennis_train_valid_only", "crowd_bluebirds",
            "crowd_dog", "crowd_face", "crowd_rte", "crowd_temp"]


def split_of(ds):
    for s in ("train", "valid", "test"):
        if os.path.exists(os.path.join(data, ds, f"L_{s}.csv")):
            return s


# CSV votes, gold labels
for ds in datasets:
    s = split_of(ds)
    out("csv", f"{ds}_L_{s}.csv", head_lines(os.path.join(data, ds, f"L_{s}.csv"), 40))
    y = os.path.join(data, ds, f"y_{s}.csv")
    if not os.path.exists(y):
        y = os.path.join(data, ds, "y_valid.csv")
    out("gold", f"{ds}_y.csv", head_lines(y, 200, 1024))
out("csv", "youtube_crlf_bom.csv",
    "\ufeff" + head_lines(os.path.join(data, "youtube", "L_valid.csv"), 10).replace("\n", "\r\n"))

# Triples: crowd answers, with and without a header
for ds in datasets:
    if ds.startswith("crowd_"):
        out("triples", f"{ds}_answers.csv", head_lines(os.path.join(data, ds, "answers_test.csv"), 150))
out("triples", "crowd_rte_header.csv",
    "item,worker,label\n" + head_lines(os.path.join(data, "crowd_rte", "answers_test.csv"), 60))

# WRENCH JSON: the first records of youtube's own WRENCH files, and other datasets' rows
for split in ("train", "valid", "test"):
    with open(os.path.join(data, "youtube", "wrench", f"{split}.json")) as f:
        doc = json.load(f)
    keys = list(doc)[:6]
    out("wrench", f"youtube_{split}.json", json.dumps({k: doc[k] for k in keys}, indent=4))
for ds in ("trec", "chemprot", "crowd_face"):
    s = split_of(ds)
    L = np.loadtxt(os.path.join(data, ds, f"L_{s}.csv"), delimiter=",", dtype=np.int64, ndmin=2)[:12]
    y = np.loadtxt(os.path.join(data, ds, f"y_{s}.csv"), dtype=np.int64, ndmin=1)[:12]
    doc = {str(i): {"label": int(y[i]), "weak_labels": [int(v) for v in L[i]], "data": {}}
           for i in range(len(L))}
    out("wrench", f"{ds}_{s}.json", json.dumps(doc))


def npy_bytes(arr, version=None):
    import io
    from numpy.lib import format as fmt
    b = io.BytesIO()
    if version is None:
        np.save(b, arr)
    else:
        fmt.write_array(b, arr, version=version)
    return b.getvalue()


# NPY: votes in every dtype, byte order and layout the reader takes; probabilities
for ds, dtype, order, version in [("youtube", "<i1", "C", None), ("tennis_train_valid_only", ">i2", "F", None),
                                   ("crowd_face", "<i4", "C", (2, 0)), ("trec", "<i8", "F", (3, 0)),
                                   ("chemprot", "<u2", "C", None)]:
    s = split_of(ds)
    L = np.loadtxt(os.path.join(data, ds, f"L_{s}.csv"), delimiter=",", dtype=np.int64, ndmin=2)
    rows = max(1, 3000 // (L.shape[1] * np.dtype(dtype).itemsize))
    A = L[:rows]
    if dtype.startswith("<u"):
        A = np.where(A < 0, 0, A)  # unsigned: abstains become class 0
    A = np.asarray(A, dtype=dtype, order=order)
    out("npy", f"{ds}_{dtype.replace('<', 'le_').replace('>', 'be_')}_{order}.npy", npy_bytes(A, version))
y = np.loadtxt(os.path.join(data, "youtube", "y_valid.csv"), dtype=np.int64)[:50]
out("npy", "youtube_y_1d.npy", npy_bytes(np.asarray(y, dtype="<i4")))


def mv_probs(L, k):
    P = np.zeros((L.shape[0], k))
    for c in range(k):
        P[:, c] = (L == c).sum(axis=1)
    tot = P.sum(axis=1, keepdims=True)
    P = np.where(tot > 0, P / np.where(tot == 0, 1, tot), 1.0 / k)
    return P


for ds, k in (("youtube", 2), ("trec", 6)):
    s = split_of(ds)
    L = np.loadtxt(os.path.join(data, ds, f"L_{s}.csv"), delimiter=",", dtype=np.int64, ndmin=2)[:40]
    P = mv_probs(L, k)
    out("npy", f"{ds}_mv_probs_f8.npy", npy_bytes(P.astype("<f8")))
    out("npy", f"{ds}_mv_probs_f4_be.npy", npy_bytes(P.astype(">f4")))
    out("probs", f"{ds}_mv_probs.csv", "".join(",".join(repr(float(v)) for v in row) + "\n" for row in P))

# Label models fitted by wsl on real label matrices
with tempfile.TemporaryDirectory() as tmp:
    for ds, s, k in (("youtube", "train", 2), ("tennis_train_valid_only", "train", 2),
                     ("crowd_bluebirds", "test", 2), ("crowd_face", "test", 4)):
        model = os.path.join(tmp, "m.json")
        subprocess.run([wsl, "fit", os.path.join(data, ds, f"L_{s}.csv"), "-k", str(k), "-o", model],
                       check=True, stdout=subprocess.DEVNULL)
        with open(model) as f:
            text = f.read()
        if len(text) <= 24000:
            out("model_json", f"{ds}.json", text)
        probs = os.path.join(tmp, "p.csv")
        subprocess.run([wsl, "predict", model, os.path.join(data, ds, f"L_{s}.csv"), "-o", probs],
                       check=True, stdout=subprocess.DEVNULL)
        out("probs", f"{ds}_label_model.csv", head_lines(probs, 60, 3000))
    # the one-coin engine's documents (sources' kinds and two numbers each, no tables)
    for ds, s, k in (("youtube", "train", 2), ("crowd_face", "test", 4)):
        model = os.path.join(tmp, "m.json")
        subprocess.run([wsl, "fit", os.path.join(data, ds, f"L_{s}.csv"), "-k", str(k), "-o", model,
                        "--tables", "one-coin"], check=True, stdout=subprocess.DEVNULL)
        with open(model) as f:
            out("model_json", f"{ds}_one_coin.json", f.read())

# Pattern tables (wsl_pattern_table_save's layout, README "File formats"): the distinct rows of
# the first rows of real label matrices with their counts, in first-seen order (the loader takes
# any order; saving puts them in canonical order); an empty table; one all-abstain pattern.
def pattern_table(L, k):
    import struct
    counts, order = {}, []
    for row in L:
        key = tuple(int(v) for v in row)
        if key not in counts:
            counts[key] = 0
            order.append(key)
        counts[key] += 1
    blob = b"WSLPAT\x01\n" + struct.pack("<QQQQ", L.shape[1], k, len(order), len(L))
    for key in order:
        votes = [(j, v) for j, v in enumerate(key) if v >= 0]
        blob += struct.pack("<QI", counts[key], len(votes))
        blob += b"".join(struct.pack("<Ii", j, v) for j, v in votes)
    return blob


for ds, k, n in (("youtube", 2, 60), ("sms", 2, 80), ("trec", 6, 60), ("crowd_face", 4, 40)):
    s = split_of(ds)
    L = np.loadtxt(os.path.join(data, ds, f"L_{s}.csv"), delimiter=",", dtype=np.int64, ndmin=2)[:n]
    out("pattern_table", f"{ds}_first_{n}_rows.bin", pattern_table(L, k))
out("pattern_table", "empty_m3_k2.bin", pattern_table(np.zeros((0, 3), dtype=np.int64), 2))
out("pattern_table", "all_abstain.bin", pattern_table(-np.ones((5, 4), dtype=np.int64), 3))

# Dictionaries: the spam example's keywords, words of real comments, term<TAB>class lines
words = []
with open(os.path.join(data, "youtube", "texts_valid.jsonl")) as f:
    for line in f:
        words += re.findall(r"[A-Za-z']+", json.loads(line)["text"].lower())
uniq = sorted(set(words))
out("dict", "youtube_words.txt", "\n".join(uniq[:300]) + "\n")
out("dict", "spam_keywords.tsv", "subscribe\t1\nhttp\t1\nplease\t1\nsong\t0\nlove\t0\ncheck out\t1\nmy channel\t1\n")
with open(os.path.join(data, "youtube", "texts_valid.jsonl")) as f:
    recs = [json.loads(l) for l in f][:40]
out("dict", "youtube_texts_classes.tsv",
    "\ufeff" + "".join(f"{r['text'][:40].strip()}\t{r['label']}\r\n" for r in recs if "\t" not in r["text"]))

# Per-source prior tables (wsl fit --source-priors): empirical P(vote | gold class) of the first
# sources of real label matrices with gold labels, rows (abstain, class 0, class 1)
for ds, s, picks in (("youtube", "valid", (0, 1, 2)), ("tennis_train_valid_only", "valid", (0, 2)),
                     ("crowd_temp", "test", (1,))):
    L = np.loadtxt(os.path.join(data, ds, f"L_{s}.csv"), delimiter=",", dtype=np.int64, ndmin=2)
    y = np.loadtxt(os.path.join(data, ds, f"y_{s}.csv"), dtype=np.int64, ndmin=1)
    doc = {}
    for out_j, j in enumerate(picks):
        rows = []
        for c in (0, 1):
            col = L[y == c, j]
            counts = [int((col == v).sum()) + 1 for v in (-1, 0, 1)]
            tot = sum(counts)
            row = [round(x / tot, 6) for x in counts]
            row[0] = round(1 - row[1] - row[2], 6)
            rows.append(row)
        doc[str(out_j)] = rows
    out("source_priors", f"{ds}_{s}.json", json.dumps(doc, indent=2))

# End models trained by wsl train on the first records of youtube and sms (labels from a label
# model fitted on the same rows), small hash widths so that each file stays a few KB; one copy
# without its featurizer (a model of the caller's own features).
def first_lines(path, n, dst):
    with open(path) as f, open(dst, "w") as g:
        for i, line in enumerate(f):
            if i >= n:
                break
            g.write(line)


with tempfile.TemporaryDirectory() as tmp:
    for ds, n, extra, name in (("youtube", 60, ["--hash-bits", "6"], "youtube_b6"),
                               ("youtube", 40, ["--hash-bits", "12", "--ngrams", "1"], "youtube_b12_listed"),
                               ("sms", 50, ["--hash-bits", "7", "--tfidf", "--sublinear-tf"], "sms_b7_tfidf"),
                               ("sms", 20, ["--hash-bits", "11", "--ngrams", "1", "--tfidf", "--case-sensitive", "--no-normalize"],
                                "sms_b11_tfidf_listed")):
        L, T = os.path.join(tmp, "L.csv"), os.path.join(tmp, "t.jsonl")
        first_lines(os.path.join(data, ds, "L_train.csv"), n, L)
        first_lines(os.path.join(data, ds, "texts_train.jsonl"), n, T)
        lm, probs, end = (os.path.join(tmp, x) for x in ("lm.json", "p.csv", "end.json"))
        subprocess.run([wsl, "fit", L, "-k", "2", "-o", lm], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([wsl, "predict", lm, L, "-o", probs], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([wsl, "train", "--probs", probs, "--records", T, "--votes", L, "-o", end,
                        "--max-iter", "30"] + extra, check=True, stdout=subprocess.DEVNULL)
        with open(end) as f:
            text = f.read()
        assert len(text) <= 24000, (name, len(text))
        out("end_model_json", f"{name}.json", text)
        if name == "youtube_b6":
            doc = json.loads(text)
            del doc["featurizer"]
            out("end_model_json", "youtube_b6_no_featurizer.json", json.dumps(doc, indent=1))

# JSON Lines records: the first records of every texts file, and edge cases around them
for ds in ("youtube", "sms"):
    for s in ("train", "valid", "test"):
        out("records_jsonl", f"{ds}_texts_{s}.jsonl",
            head_lines(os.path.join(data, ds, f"texts_{s}.jsonl"), 5, 2048))
with open(os.path.join(data, "sms", "texts_valid.jsonl")) as f:
    recs = [json.loads(l) for l in f][:6]
out("records_jsonl", "sms_bom_crlf_blank.jsonl",
    "\ufeff" + "\r\n\r\n".join(json.dumps(r) for r in recs[:3]) + "\r\n  \t\r\n" + json.dumps(recs[3]))
out("records_jsonl", "sms_fields_kinds.jsonl", "\n".join([
    json.dumps({"label": recs[0]["label"], "text": recs[0]["text"], "weak_labels": [1, -1, 0]}),
    json.dumps({"text": None, "label": None}),
    json.dumps({"other": recs[1]["text"]}),
    json.dumps({"text": recs[2]["text"], "label": 1.5, "weak_labels": {"lf": [0, 1]}}),
    json.dumps({"text": recs[3]["text"], "label": True}),
    json.dumps({"text": 42, "label": "1"}),
    json.dumps({"text": recs[4]["text"], "label": -1e300}),
    json.dumps({"text": recs[5]["text"], "label": 7}),
    '{"text": "caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\u0000 cut", "label": 0}',
    json.dumps({"text": recs[5]["text"] * 3, "label": 1}, ensure_ascii=False),
]) + "\n")
out("records_jsonl", "youtube_malformed.jsonl",
    head_lines(os.path.join(data, "youtube", "texts_valid.jsonl"), 2, 1024) + '{"text": "unterminated\n[1, 2]\n')

# Names files: real item ids and comment authors, one per line (LF and CRLF)
out("names", "crowd_rte_items.txt", head_lines(os.path.join(data, "crowd_rte", "items_test.txt"), 20))
with open(os.path.join(data, "youtube", "raw", "Youtube01-Psy.csv"), newline="") as f:
    import csv
    authors = [row["AUTHOR"] for row, _ in zip(csv.DictReader(f), range(12))]
out("names", "youtube_authors_crlf.txt", "\r\n".join(authors) + "\r\n")
for ds in ("trec", "chemprot"):
    with open(os.path.join(data, ds, "meta.json")) as f:
        out("names", f"{ds}_class_names.txt", "\n".join(json.load(f)["class_names"]))

# --deps files for 8 sources (fuzz_deps.c names them kw_a, "kw b", 3, copy1, 7x, "", #c, 09):
# the pairs of youtube's first 8 LFs that vote alike most often, by index and by name
L = np.loadtxt(os.path.join(data, "youtube", "L_train.csv"), delimiter=",", dtype=np.int64, ndmin=2)[:, :8]
pairs = []
for i in range(8):
    for j in range(i + 1, 8):
        both = (L[:, i] >= 0) & (L[:, j] >= 0)
        pairs.append((-(L[both, i] == L[both, j]).sum(), i, j))
pairs.sort()
used, groups = set(), []
for _, i, j in pairs:
    if i not in used and j not in used:
        used |= {i, j}
        groups.append((i, j))
names8 = ["kw_a", "kw b", "3", "copy1", "7x", "", "#c", "09"]
out("deps", "youtube_pairs_by_index.txt", "# LF pairs of youtube that vote alike most\n" +
    "".join(f"{i}, {j}\n" for i, j in groups))
out("deps", "youtube_pairs_by_name.txt", "".join(f"{names8[i]},{names8[j]}\r\n" for i, j in groups if names8[i] and names8[j]))
out("deps", "mixed_groups.txt", "\n  # comment\n\nkw_a , 1,copy1\n\t3 ,7x, 09\n2,5,\n")

#!/usr/bin/env python3
"""Extraction bench: predict every seed, score against gold, measure throughput.

Usage: python bench/extraction/run.py [SEEDS_DIR] [PRED_DIR]
Defaults: SEEDS_DIR = ../shared/seeds (relative to the repo root), PRED_DIR = a temp dir.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from chiso.plans.extraction import clear_caches, extract  # noqa: E402

SHARED = ROOT.parent / "shared"
MIN_BYTES = 5 * 1024 * 1024


def predict(seeds: Path, pred_dir: Path) -> list[str]:
    texts = []
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        result = extract(text, path.name)
        out = pred_dir / f"{path.stem}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return texts


def score(pred_dir: Path) -> None:
    scorer = SHARED / "eval" / "score_extraction.py"
    gold = SHARED / "eval" / "extraction" / "gold"
    subprocess.run([sys.executable, str(scorer), str(gold), str(pred_dir)], check=False)


def throughput(texts: list[str]) -> float:
    corpus = "\n\n".join(texts) or "x"
    repeats = MIN_BYTES // len(corpus.encode("utf-8")) + 1
    docs = texts * repeats
    size = sum(len(t.encode("utf-8")) for t in docs)
    start = time.perf_counter()
    for text in docs:
        clear_caches()  # each repeat is measured as if it were a new document
        extract(text)
    elapsed = time.perf_counter() - start
    return size / elapsed / 1e6


def main(argv: list[str]) -> int:
    seeds = Path(argv[1]) if len(argv) > 1 else SHARED / "seeds"
    if len(argv) > 2:
        pred_dir = Path(argv[2])
        pred_dir.mkdir(parents=True, exist_ok=True)
        texts = predict(seeds, pred_dir)
        score(pred_dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            texts = predict(seeds, Path(tmp))
            score(Path(tmp))
    rate = throughput(texts)
    print(f"throughput: {rate:.2f} MB/s (seeds repeated to >= 5 MB, one document at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Whether two builds of the extractor give the same results, byte for byte.

A change that is meant to make extraction cheaper must not change what is extracted.  This
command runs :func:`archive.extract.extract_with_fingerprint` over every page it can build
from the shared corpora and the test pages, and writes, for each page, a SHA-256 of
everything the extractor gives: the article (every field, ``content_hash`` included) and the
fast-path fingerprint, or the error's reason and message; and, separately, a SHA-256 of the
tree that trafilatura reads (the page after the extractor's readers and removal passes).

Pages: the article-extraction-benchmark's 181 as stored, the same in ``bench.cycle``'s request
chrome, the same again with the chrome's inline boxes after the third paragraph; both versions
of every GOV.UK and CNN pair (``scheduler.evaluation.quality``'s documents, with two chromes);
the pages under ``tests/pages``.  Run it on the build before the change with ``--save``, then
on the build after it with ``--against``:

    python -m bench.extract_identity --save before.json
    python -m bench.extract_identity --against before.json

It exits 1 when any page differs, and names them.  The digests are of text taken from the
corpora, so keep the file outside the repository.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from archive.errors import ExtractionError
from archive.extract.extractor import extract_with_fingerprint, read_page
from archive.extract.parse import parse_body
from bench.cycle import add_chrome
from bench.shared_data import shared_data_or_exit
from scheduler.demo.chrome import dress
from scheduler.evaluation.quality import cnn_page, govuk_page

ROOT = Path(__file__).resolve().parents[1]
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)


def _after_third_paragraph(page: str) -> int | None:
    ends = [m.end() for m in _PARAGRAPH_END.finditer(page)]
    return ends[min(2, len(ends) - 2)] if len(ends) >= 3 else None


def pages(shared: Path) -> Iterator[tuple[str, str, bytes | str]]:
    """(key, url, body) for every page the check runs."""
    base = shared / "article-extraction-benchmark"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    for i, path in enumerate(sorted((base / "html").glob("*.html.gz"))):
        name = path.name.split(".")[0]
        body = gzip.decompress(path.read_bytes())
        url = truth[name]["url"]
        yield f"corpus/{name}", url, body
        yield f"corpus-chrome/{name}", url, add_chrome(body, "t1", i)
        inline = dress(
            body.decode("latin-1"), f"/news/{i:05d}", 2, inline_at=_after_third_paragraph
        )
        yield f"corpus-inline/{name}", url, inline.encode("latin-1")
    govuk = shared / "govuk-news-versions"
    for label in json.loads((govuk / "index.json").read_text(encoding="utf-8"))["pairs"]:
        for seed, v in enumerate("ab", start=1):
            fragment = (govuk / label[f"version_{v}"]["file"]).read_text(encoding="utf-8")
            yield f"govuk/{label['id']}/{v}", label["url"], govuk_page(fragment, label["url"], seed)
    cnn = shared / "cnn-lite-versions"
    if (cnn / "index.json").exists():
        for label in json.loads((cnn / "index.json").read_text(encoding="utf-8"))["pairs"]:
            for seed, v in enumerate("ab", start=1):
                version = json.loads((cnn / label[f"version_{v}"]["file"]).read_text("utf-8"))
                yield (
                    f"cnn/{label['id']}/{v}",
                    str(version.get("url") or ""),
                    cnn_page(version, seed),
                )
    for path in sorted((ROOT / "tests" / "pages").rglob("*.html")):
        yield (
            f"tests/{path.relative_to(ROOT / 'tests' / 'pages')}",
            "https://example.com/a",
            (path.read_bytes()),
        )


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def result_digests(url: str, body: bytes | str) -> tuple[str, str]:
    """The digests of the extractor's result and of the tree trafilatura reads."""
    try:
        article, fingerprint = extract_with_fingerprint(body, url)
        result: object = (article.to_dict(), article.content_hash, fingerprint)
    except ExtractionError as error:
        result = ("error", str(error.reason), str(error))
    try:
        tree = parse_body(body)
    except ExtractionError as error:
        return _digest(result), _digest(("error", str(error.reason)))
    if tree is None:
        return _digest(result), _digest(None)
    read_page(tree, url)
    return _digest(result), _digest(etree.tostring(tree, encoding="unicode"))


def run(shared: Path) -> dict[str, list[str]]:
    return {key: list(result_digests(url, body)) for key, url, body in pages(shared)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", type=Path, help="write the digests to this file")
    parser.add_argument("--against", type=Path, help="compare with digests saved before")
    args = parser.parse_args(argv)
    digests = run(shared_data_or_exit())
    print(f"{len(digests)} pages", file=sys.stderr)
    if args.save:
        args.save.write_text(json.dumps(digests, indent=0, sort_keys=True), encoding="utf-8")
    if args.against:
        before = json.loads(args.against.read_text(encoding="utf-8"))
        keys = sorted(set(before) | set(digests))
        results = [k for k in keys if (before.get(k) or [None])[0] != (digests.get(k) or [""])[0]]
        trees = [
            k for k in keys if (before.get(k) or [None, None])[1:] != (digests.get(k) or [""])[1:]
        ]
        for key in results:
            print(f"result differs: {key}")
        for key in trees:
            print(f"tree differs: {key}")
        print(f"{len(results)} results and {len(trees)} trees differ of {len(keys)}")
        return 1 if results or trees else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Raw snapshots: an archived page replayed from its WARC record, its bytes, the record itself.

- ``/articles/{id}/versions/{n}/raw``: a viewer page framing the snapshot in a sandboxed
  ``<iframe>``, with the capture's evidence and the downloads;
- ``/articles/{id}/versions/{n}/snapshot``: the page rewritten by :func:`replay.defang`, sent
  with ``Content-Security-Policy: sandbox`` (no ``allow-scripts``, no ``allow-same-origin``);
- ``/articles/{id}/versions/{n}/payload``: the archived bytes as they were served, as a
  download (never rendered);
- ``/articles/{id}/versions/{n}/record.warc.gz``: the capture's WARC record alone, a valid
  one-record WARC file.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from archive import browse
from archive.queries import CaptureRow
from archive.warc import StoredRecord, WarcLocation, read_record
from archive.web import replay
from archive.web.deps import ConfigDep, SessionDep, TemplatesDep

router = APIRouter(include_in_schema=False)

DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def _located(session: Session, url_id: int, number: int) -> CaptureRow:
    capture = browse.version_location(session, url_id, number)
    if capture is None:
        raise HTTPException(404, f"Version {number} of article {url_id} is not in the archive.")
    if capture.warc_file is None or capture.warc_offset is None:
        raise HTTPException(404, f"No WARC record is on file for version {number}.")
    return capture


def _record(warc_dir: Path, capture: CaptureRow) -> StoredRecord:
    assert capture.warc_file is not None and capture.warc_offset is not None
    try:
        replay.warc_path(warc_dir, capture.warc_file)
        return read_record(
            warc_dir,
            WarcLocation(capture.warc_file, capture.warc_offset, 0, capture.payload_digest or ""),
        )
    except FileNotFoundError:
        raise HTTPException(
            404, f"The WARC file {capture.warc_file} is not in this viewer's data directory."
        ) from None
    except ValueError as exc:
        raise HTTPException(404, f"The WARC record cannot be read: {exc}") from None


def _content_type(record: StoredRecord) -> str | None:
    return next((v for k, v in record.headers if k.lower() == "content-type"), None)


@router.get("/articles/{url_id}/versions/{number}/raw", response_class=HTMLResponse)
def raw_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    url_id: int,
    number: int,
) -> HTMLResponse:
    """The snapshot inside the viewer's layout, in a sandboxed frame."""
    detail = browse.version_detail(session, url_id, number)
    if detail is None:
        raise HTTPException(404, f"Version {number} of article {url_id} is not in the archive.")
    capture = _located(session, url_id, number)
    return templates.render(
        request,
        "raw.html",
        {
            "v": detail,
            "c": capture,
            "feed": f"/articles/{url_id}/changes.atom",
            "feed_title": "changes of this article",
        },
    )


@router.get("/articles/{url_id}/versions/{number}/snapshot")
def snapshot(session: SessionDep, config: ConfigDep, url_id: int, number: int) -> Response:
    """The archived page, rewritten to be inert, for the sandboxed frame."""
    record = _record(config.warc_dir, _located(session, url_id, number))
    html = replay.defang(record.body, _content_type(record))
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": replay.SNAPSHOT_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.get("/articles/{url_id}/versions/{number}/payload")
def payload(session: SessionDep, config: ConfigDep, url_id: int, number: int) -> Response:
    """The archived response body, byte for byte, as a download."""
    record = _record(config.warc_dir, _located(session, url_id, number))
    return Response(
        record.body,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="article-{url_id}-v{number}.html"',
            "Content-Security-Policy": DOWNLOAD_POLICY,
        },
    )


@router.get("/articles/{url_id}/versions/{number}/record.warc.gz")
def warc_record(session: SessionDep, config: ConfigDep, url_id: int, number: int) -> Response:
    """The capture's WARC record alone: a one-record ``.warc.gz`` file."""
    capture = _located(session, url_id, number)
    assert capture.warc_file is not None and capture.warc_offset is not None
    try:
        data = replay.read_member(config.warc_dir, capture.warc_file, capture.warc_offset)
    except FileNotFoundError:
        raise HTTPException(
            404, f"The WARC file {capture.warc_file} is not in this viewer's data directory."
        ) from None
    except ValueError as exc:
        raise HTTPException(404, f"The WARC record cannot be read: {exc}") from None
    return Response(
        data,
        media_type="application/warc",
        headers={
            "Content-Disposition": (
                f'attachment; filename="article-{url_id}-v{number}-capture-{capture.id}.warc.gz"'
            ),
            "Content-Security-Policy": DOWNLOAD_POLICY,
        },
    )

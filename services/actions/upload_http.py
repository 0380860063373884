"""HTTP entry points of the Excel round trip (docs/rules.md §8.4): upload an edited documents workbook or its
CSV as one SAVE, and download the workbook of the rows it refused.

The body is the file itself (`Content-Type` the XLSX media type or `text/csv`; with `application/octet-stream`
or none, a ZIP signature means XLSX), at most 16 MiB and 20,000 document rows (services/api/limits.py::UPLOAD).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from services.actions.commands import upload, upload_file
from services.actions.views import history, reqsts, upload_errors
from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import BodyRefused, spool_body
from services.api.common import path_gstin, refused
from services.api.downloads import file_chunks
from services.common import requests
from services.common.commands import CommandRefused
from services.common.jsonstream import TooManyRecords
from services.common.tokens import Principal

router = APIRouter(prefix="/v1", tags=["ims"])
RECIPIENT = Depends(require("recipient"))
FILES = {**contract.XLSX, upload_file.CSV_MEDIA: {"schema": {"type": "string"}}}


@router.post(
    "/ims/{gstin}/actions/upload",
    dependencies=[RECIPIENT],
    responses=contract.answers(contract.UPLOAD_ANSWER, 400, 403, 413, 503),
    openapi_extra=contract.file_body(limits.UPLOAD.bytes, FILES),
)
async def post_upload(request: Request, gstin: str) -> Any:
    """The edited documents workbook (or its CSV) as one SAVE of the rows whose Action, Remarks or ITC-reduction
    cells changed since the download. REQSTS answer, plus `upload` (counts, and the refused rows' workbook)."""
    recipient = path_gstin(gstin)
    settings = request.app.state.container.settings
    spool = await spool_body(request, limits.UPLOAD.within(settings))
    assert limits.UPLOAD.records is not None
    max_rows = limits.UPLOAD.records
    try:
        kind = upload_file.kind_of(request.headers.get("content-type"), spool.read(4))
        spool.seek(0)
        answer = await run_in_threadpool(
            upload.upload,
            request.app.state.commands,
            recipient,
            lambda: upload_file.read_rows(spool, kind, max_rows),
            actor(request),
            scoped_key(request, recipient),
        )
    except upload_file.UploadRefused as exc:
        raise refused(str(exc)) from None
    except TooManyRecords as exc:
        raise BodyRefused(413, str(exc)) from None
    except CommandRefused as exc:
        raise refused(str(exc)) from None
    finally:
        spool.close()
    return JSONResponse(reqsts.gstn_answer(answer))


@router.get(
    "/ims/{gstin}/actions/upload/{reference_id}/errors.xlsx",
    responses=contract.answers(None, 400, 403, 404, media=contract.XLSX),
)
def get_upload_errors(
    request: Request,
    gstin: str,
    reference_id: str = Path(max_length=64),
    who: Principal = RECIPIENT,
) -> Any:
    """The upload's refused rows: row, document, values sent, error code and message (later refusals of the
    projector included). Read under the request's GSTIN by its recipient token, as its REQSTS is."""
    owner = path_gstin(gstin)
    engine = request.app.state.container.engine
    logged = requests.find(engine, reference_id)
    if logged is None or "upload" not in logged.response or not requests.may_read(logged, who, owner):
        raise refused(f"reference_id: no upload {reference_id} readable by this token for {owner}", 404, "NOT_FOUND")
    path = upload_errors.errors_xlsx(history.request_status(engine, logged), logged.response["upload"])
    return StreamingResponse(
        file_chunks(path),
        media_type=upload_file.XLSX_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="ims-upload-{reference_id}-errors.xlsx"'},
    )

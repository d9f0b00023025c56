"""Placeholder until its slice lands: an empty route table, so the app can include it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from newsriver.web.ui.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])

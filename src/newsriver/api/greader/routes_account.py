"""Signing in: ClientLogin, the write token, and who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from newsriver.api.greader.auth import CurrentViewer, ReadParams, client_login, write_token
from newsriver.api.greader.protocol import GReaderRoute, json_response, text

router = APIRouter(route_class=GReaderRoute)
GET_POST = ["GET", "POST"]


@router.api_route("/accounts/ClientLogin", methods=GET_POST)
def login(request: Request, params: ReadParams) -> Response:
    """`Email` and `Passwd` (the API password) for a token: three lines of text
    (`SID=`, `LSID=`, `Auth=`; clients read `Auth`), or JSON with `output=json`."""
    token = client_login(request, (params.get("Email") or "").strip(), params.get("Passwd") or "")
    if params.get("output") == "json":
        return json_response({"SID": token, "LSID": "null", "Auth": token})
    return text(f"SID={token}\nLSID=null\nAuth={token}\n")


@router.api_route("/reader/api/0/token", methods=GET_POST)
def token(request: Request, viewer: CurrentViewer) -> Response:
    return text(write_token(request.app.state.secret_key, viewer.token))


@router.api_route("/reader/api/0/user-info", methods=GET_POST)
def user_info(viewer: CurrentViewer) -> Response:
    user_id = str(viewer.id)
    return json_response(
        {
            "userId": user_id,
            "userName": viewer.user.name,
            "userProfileId": user_id,
            "userEmail": "",
            "isBloggerUser": False,
            "signupTimeSec": 0,
            "isMultiLoginEnabled": False,
        }
    )

"""Write protection and request-size limits of the HTTP API.

Writes need ``Authorization: Bearer <token>``; the token is compared in constant time. A server
started without a token refuses every write. :class:`BodySizeLimit` refuses request bodies over
the cap before the application sees them, whether the client declares ``Content-Length`` or
streams a chunked body.
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path
from typing import Annotated

from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit", "bearer", "load_token", "require_token"]

TOKEN_ENV = "STAFFPLAN_TOKEN"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="The server's write token (`STAFFPLAN_TOKEN` or `--token-file`).",
)


def load_token(token_file: Path | None = None) -> str | None:
    """The write token: the stripped content of ``token_file``, else ``$STAFFPLAN_TOKEN``.

    Parameters
    ----------
    token_file : path, optional
        A file holding the token (surrounding white space is ignored).

    Returns
    -------
    str or None
        ``None`` when no token is configured (writes are then disabled).

    Raises
    ------
    ValueError
        The file is empty.
    """
    if token_file is not None:
        token = Path(token_file).read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError(f"the token file {token_file} is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """FastAPI dependency: pass only with the server's bearer token.

    Raises
    ------
    fastapi.HTTPException
        401 (with ``WWW-Authenticate: Bearer``) when the server has no token, the request has
        none, or it differs.
    """
    expected: str | None = request.app.state.token
    if expected is None:
        raise _unauthorized(
            "writes are disabled: the server was started without a token "
            f"(set {TOKEN_ENV} or pass --token-file)"
        )
    if credentials is None:
        raise _unauthorized("this request needs the header 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise _unauthorized("invalid token")


class BodySizeLimit:
    """Pure ASGI middleware: answer 413 to request bodies larger than ``max_bytes``.

    A declared ``Content-Length`` over the cap is refused at once. Otherwise the body is read
    (counting the bytes of every chunk, so chunked uploads are capped too) before the
    application runs, and handed to it unchanged.

    Parameters
    ----------
    app : ASGI application
    max_bytes : int
        Largest accepted body, in bytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(send)
                return
            messages.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,  # Content Too Large
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

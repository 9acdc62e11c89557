"""POSTing a webhook delivery (httpx). Redirects are not followed: a receiver that moved must
be configured with its new url, not have signed bodies bounced to wherever it points."""

import httpx


class Unreachable(Exception):
    """No HTTP answer at all: refused, reset, timed out, bad TLS."""


class HttpPoster:
    def __init__(self, timeout: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from error
        return response.status_code

    async def close(self) -> None:
        await self._client.aclose()

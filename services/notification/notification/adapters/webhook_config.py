"""Webhook subscriptions from the file named by TILMELD_WEBHOOKS_FILE (YAML, or JSON, which is
YAML too):

    subscriptions:
      - id: crm                                  # stable name; deliveries refer to it
        url: https://crm.example.dk/hooks/tilmeld
        secret_env: CRM_WEBHOOK_SECRET           # or `secret: ...` written in the file
        event_id: stuk-dagtilbud-2023            # optional: only this event
        types: [dk.tilmeld.registration.confirmed.v1]   # optional: only these types
"""

import os
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from tilmeld_contracts.common import Slug


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    url: HttpUrl
    secret: str | None = Field(default=None, min_length=16)
    secret_env: str | None = None
    event_id: Slug | None = None
    types: list[str] = []

    @model_validator(mode="after")
    def _has_a_secret(self) -> Self:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of secret and secret_env")
        return self

    def resolved_secret(self) -> str:
        if self.secret is not None:
            return self.secret
        value = os.environ.get(self.secret_env or "", "")
        if len(value) < 16:
            raise ValueError(
                f"webhook {self.id}: ${self.secret_env} must hold at least 16 characters"
            )
        return value


class WebhookConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subscriptions: list[Subscription] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [s.id for s in self.subscriptions]
        if len(ids) != len(set(ids)):
            raise ValueError("webhook subscription ids must be unique")
        return self


def load(path: Path | None) -> WebhookConfig:
    """No file: no subscriptions (and any configured before are disabled)."""
    if path is None:
        return WebhookConfig()
    return WebhookConfig.model_validate(yaml.safe_load(path.read_text("utf-8")) or {})

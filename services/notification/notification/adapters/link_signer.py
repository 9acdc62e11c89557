"""Signing the self-service links a mail carries (tilmeld_runtime.links)."""

from dataclasses import dataclass

from notification.domain.links import LABELS, LinkSpec
from notification.domain.view import LinkLine
from tilmeld_contracts.common import Language
from tilmeld_runtime import links


@dataclass(frozen=True)
class LinkSigner:
    secret: str
    base_url: str

    def lines(
        self, specs: tuple[LinkSpec, ...], registration_id: str, event_id: str, language: Language
    ) -> tuple[LinkLine, ...]:
        return tuple(
            LinkLine(
                LABELS[language][spec.action],
                links.url(
                    self.base_url,
                    links.sign(
                        self.secret,
                        links.LinkClaims(spec.action, registration_id, event_id, spec.expires_at),
                    ),
                ),
            )
            for spec in specs
        )

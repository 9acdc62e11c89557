"""The capacity service's settings, from the environment (prefix TILMELD_)."""

from tilmeld_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8082
    capacity_db: str = "postgresql://capacity:capacity@127.0.0.1:55432/capacity"

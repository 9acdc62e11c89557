from tilmeld_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8081
    registration_db: str = "postgresql://registration:registration@127.0.0.1:55432/registration"
    # Bearer token other systems present to GET /registrations/{id}.
    api_token: str = "dev-token"
    # How long a sign-up for an unknown event waits for the catalog consumer to catch up.
    catalog_wait_seconds: float = 10.0

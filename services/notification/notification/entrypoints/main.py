"""`tilmeld-notification`: the notification service (HTTP ops endpoints on port 8083)."""

from notification.bootstrap import build_spec
from notification.config import Settings
from tilmeld_runtime.host import build_app, serve


def main() -> None:
    settings = Settings()
    serve(build_app(build_spec(settings)), settings)


if __name__ == "__main__":
    main()

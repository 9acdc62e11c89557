from registration.bootstrap import spec
from registration.config import Settings
from tilmeld_runtime.host import build_app, serve


def main() -> None:
    settings = Settings()
    serve(build_app(spec(settings)), settings)


if __name__ == "__main__":
    main()

"""docker-compose.yml and infra/Dockerfile, checked on paper against the code they run.

No Docker engine runs on the build machines, so this is what keeps the compose file honest: every command
is a real `ims` subcommand, every projection consumer has a container, every environment variable is one
the code reads, and the servers the app is pointed at are the ones the file defines.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.common.settings import ENV_VARS, INBOUND_TOPICS, PROJECT_ROOT, TOPICS, Settings

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "infra" / "Dockerfile"
APP_DOCKERFILE = "infra/Dockerfile"
ONE_SHOT_APP_SERVICES = {"migrate"}
# `${NAME:-default}` / `${NAME-default}`: what compose substitutes when the shell and .env set nothing.
_DEFAULTED_VARIABLE = re.compile(r"\$\{(\w+):?-([^}]*)\}")


# --- helpers ------------------------------------------------------------------------------------------------


def _interpolated(value: Any) -> str:
    text = str(value)
    resolved = _DEFAULTED_VARIABLE.sub(lambda m: m.group(2), text.replace("$$", "\0"))
    assert "$" not in resolved, f"{text!r} uses a variable without a default, so it must be set to run"
    return resolved.replace("\0", "$")


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as compose would pass it, from either the mapping or the list syntax."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return {name: "" if value is None else _interpolated(value) for name, value in raw.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the short list syntax means service_started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def _dockerfile_of(service: dict[str, Any]) -> Path | None:
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = (PROJECT_ROOT / build.get("context", ".")).resolve()
    return (context / build.get("dockerfile", "Dockerfile")).resolve()


def _published_ports(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host IP, container port) for each `ports` entry; an empty host IP means every interface."""
    published = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            published.append((str(entry.get("host_ip", "")), str(entry["target"])))
            continue
        parts = _interpolated(entry).split("/")[0].rsplit(":", 2)
        host_ip = parts[0] if len(parts) == 3 else ""
        published.append((host_ip.strip("[]"), parts[-1]))
    return published


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _kafka_topics_invocations(service: dict[str, Any]) -> list[list[str]]:
    script = "\n".join(_command(service))
    return [shlex.split(line) for line in script.splitlines() if "kafka-topics.sh" in line]


def _option(words: list[str], name: str) -> list[str]:
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == name]


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services built from infra/Dockerfile, i.e. the ones that run `ims`."""
    dockerfile = (PROJECT_ROOT / APP_DOCKERFILE).resolve()
    app = {name: s for name, s in services.items() if _dockerfile_of(s) == dockerfile}
    assert app, f"no service in docker-compose.yml is built from {APP_DOCKERFILE}"
    return app


@pytest.fixture(scope="module")
def long_running_app_services(app_services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in app_services.items() if name not in ONE_SHOT_APP_SERVICES}


@pytest.fixture(scope="module")
def projection_names() -> set[str]:
    from services.bootstrap import projection_factories

    return set(projection_factories(Settings()))


@pytest.fixture(scope="module")
def ims_subcommands() -> set[str]:
    from services.cli.main import parser

    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return set(actions[0].choices)


@pytest.fixture(scope="module")
def kafka_env(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    return _environment(services["kafka"])


# --- the servers --------------------------------------------------------------------------------------------


def test_kafka_is_the_official_apache_kafka_image_in_kraft_mode_as_broker_and_controller(services, kafka_env):
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert {"broker", "controller"} <= {role.strip() for role in kafka_env["KAFKA_PROCESS_ROLES"].split(",")}
    node_id = kafka_env["KAFKA_NODE_ID"]
    voters = kafka_env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert any(voter.startswith(f"{node_id}@kafka:") for voter in voters)
    controller_listeners = kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"].split(",")
    assert all(f"{name}://" in kafka_env["KAFKA_LISTENERS"] for name in controller_listeners)


def test_nothing_in_the_compose_file_mentions_zookeeper():
    assert "zookeeper" not in COMPOSE_FILE.read_text().lower()


def test_kafka_keeps_events_forever_on_a_volume_and_creates_no_topics_by_itself(services, kafka_env):
    assert kafka_env["KAFKA_LOG_RETENTION_MS"] == "-1"
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka_env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    log_dir = kafka_env["KAFKA_LOG_DIRS"]
    assert any(str(volume).endswith(f":{log_dir}") for volume in services["kafka"].get("volumes", []))
    assert "kafka-broker-api-versions.sh" in " ".join(services["kafka"]["healthcheck"]["test"])


def test_postgres_runs_the_official_postgres_image_with_a_volume_and_a_readiness_check(services):
    postgres = services["postgres"]
    assert postgres["image"].split(":")[0] == "postgres"
    assert postgres.get("volumes"), "database data would be lost when the container is re-created"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_create_topics_creates_every_topic_the_code_uses_with_unlimited_retention(services, app_services):
    create_topics = services["create-topics"]
    assert create_topics["image"] == services["kafka"]["image"]
    assert _depends_on(create_topics).get("kafka") == "service_healthy"
    settings = Settings.from_env(_environment(next(iter(app_services.values()))))
    invocations = _kafka_topics_invocations(create_topics)
    created = {topic for words in invocations for topic in _option(words, "--topic")}
    assert created == {settings.topic(topic) for topic in (*TOPICS, *INBOUND_TOPICS)}
    for words in invocations:
        assert "--create" in words and "--if-not-exists" in words
        assert "retention.ms=-1" in _option(words, "--config")
        assert int(_option(words, "--partitions")[0]) >= 1


# --- the app services ---------------------------------------------------------------------------------------


def test_the_api_migrate_and_every_consumer_are_built_from_the_app_dockerfile(services, app_services):
    assert {"api", "migrate"} <= set(app_services)
    for name, service in services.items():
        if _command(service)[:1] == ["consume"]:
            assert name in app_services


def test_every_app_service_runs_a_real_ims_subcommand(app_services, ims_subcommands):
    for name, service in app_services.items():
        command = _command(service)
        assert command, f"{name} has no command; the image's default would only print help"
        assert command[0] in ims_subcommands, f"{name}: `ims {command[0]}` does not exist"


def test_every_consume_command_names_a_projection_the_code_defines(app_services, projection_names):
    for name, service in app_services.items():
        command = _command(service)
        if command[0] == "consume":
            assert len(command) == 2, f"{name}: `ims consume` takes exactly one projection name"
            assert command[1] in projection_names, f"{name}: {command[1]!r} is not in projection_factories"


def test_every_projection_consumer_has_its_own_compose_service(app_services, projection_names):
    for projection in sorted(projection_names):
        service = app_services.get(f"consumer-{projection}")
        assert service is not None, f"projection {projection!r} has no `consumer-{projection}` service"
        assert _command(service) == ["consume", projection]


def test_app_services_set_only_environment_variables_the_code_reads(app_services):
    for name, service in app_services.items():
        unknown = set(_environment(service)) - set(ENV_VARS)
        assert not unknown, f"{name} sets {sorted(unknown)}, which no code reads (see settings.ENV_VARS)"


def test_every_app_service_gets_json_logs_and_group_timeouts_suited_to_a_real_broker(app_services):
    for name, service in app_services.items():
        env = _environment(service)
        settings = Settings.from_env(env)  # also proves every numeric value parses
        assert settings.log_format == "json", name
        assert settings.heartbeat_interval_ms * 3 <= settings.session_timeout_ms, name
        assert settings.session_timeout_ms <= settings.max_poll_interval_ms, name
        assert settings.session_timeout_ms >= Settings().session_timeout_ms, name


def test_database_url_points_at_the_compose_postgres_service(services, app_services):
    postgres_env = _environment(services["postgres"])
    for name, service in app_services.items():
        url = urlsplit(_environment(service)["DATABASE_URL"])
        assert url.scheme in ("postgresql", "postgres"), name
        assert url.hostname == "postgres" and url.port in (None, 5432), name
        assert url.path.lstrip("/") == postgres_env["POSTGRES_DB"], name
        assert url.username == postgres_env.get("POSTGRES_USER", "postgres"), name
        assert url.password == postgres_env["POSTGRES_PASSWORD"], name


def test_kafka_bootstrap_servers_point_at_the_compose_kafka_service(app_services, kafka_env):
    advertised = kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    for name, service in app_services.items():
        for server in _environment(service)["KAFKA_BOOTSTRAP_SERVERS"].split(","):
            host, _, port = server.strip().rpartition(":")
            assert host == "kafka", name
            assert any(listener.endswith(f"://kafka:{port}") for listener in advertised), name


def test_the_api_publishes_its_port_on_the_host_loopback_only(services):
    api = services["api"]
    settings = Settings.from_env(_environment(api))
    assert settings.http_host == "0.0.0.0", "in the container the API must listen where Docker forwards to"
    published = _published_ports(api)
    assert published and all(host_ip == "127.0.0.1" for host_ip, _ in published)
    assert str(settings.http_port) in {container_port for _, container_port in published}


def test_no_service_publishes_a_port_on_every_host_interface(services):
    for name, service in services.items():
        for host_ip, _ in _published_ports(service):
            where = host_ip or "every interface"
            assert host_ip in ("127.0.0.1", "::1"), f"{name} publishes a port on {where}"


def test_migrations_run_once_after_postgres_is_ready(app_services):
    migrate = app_services["migrate"]
    assert _command(migrate) == ["migrate"]
    assert migrate.get("restart", "no") == "no"
    assert _depends_on(migrate).get("postgres") == "service_healthy"


def test_long_running_services_start_after_migrations_topics_and_a_healthy_kafka(long_running_app_services):
    for name, service in long_running_app_services.items():
        depends_on = _depends_on(service)
        assert depends_on.get("migrate") == "service_completed_successfully", name
        assert depends_on.get("create-topics") == "service_completed_successfully", name
        assert depends_on.get("kafka") == "service_healthy", name


# --- the image ----------------------------------------------------------------------------------------------


def test_the_dockerfile_exists_and_its_entrypoint_is_ims():
    assert DOCKERFILE.is_file()
    entrypoints = [rest for keyword, rest in _dockerfile_instructions() if keyword == "ENTRYPOINT"]
    assert entrypoints and json.loads(entrypoints[-1]) == ["ims"]


def test_the_image_runs_python_3_11_as_a_non_root_user():
    instructions = _dockerfile_instructions()
    base = next(rest for keyword, rest in instructions if keyword == "FROM")
    assert base.startswith("python:3.11")
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_the_image_holds_the_schemas_and_migrations_the_code_finds_beside_itself():
    sources = set()
    for keyword, rest in _dockerfile_instructions():
        if keyword in ("COPY", "ADD"):
            words = [word for word in shlex.split(rest) if not word.startswith("--")]
            sources |= {word.removeprefix("./").rstrip("/") or "." for word in words[:-1]}
    for needed in ("pyproject.toml", "README.md", "services", "schemas", "infra/alembic"):
        assert needed in sources or "." in sources, f"the image lacks {needed}"
    runs = [rest for keyword, rest in _dockerfile_instructions() if keyword == "RUN"]
    assert any(re.search(r"pip install .*(-e|--editable) \.", rest) for rest in runs)


def test_postgres_runs_with_the_settings_of_the_embedded_server(services):
    from services.common.embedded.postgres import memory_settings

    command = services["postgres"]["command"]
    assert command[0] == "postgres"
    given = dict(arg.split("=", 1) for arg in command[2::2])
    assert set(given) == set(memory_settings())
    assert {k: v for k, v in given.items() if k != "shared_buffers"} == {
        k: v for k, v in memory_settings().items() if k != "shared_buffers"
    }

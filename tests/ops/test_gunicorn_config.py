"""mastoweb/gunicorn.conf.py: loopback bind, workers from the environment, JSON logs."""

import runpy

from django.conf import settings
from gunicorn.config import Config

from mastoweb.logging import GunicornLogger

CONFIG_FILE = settings.BASE_DIR / "mastoweb" / "gunicorn.conf.py"


def load_config(monkeypatch, **env):
    for name in ("PORT", "BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(CONFIG_FILE))
    cfg = Config()
    for name, value in namespace.items():
        if name in cfg.settings:
            cfg.set(name, value)
    return namespace, cfg


def test_it_binds_to_loopback_on_the_port_from_the_environment(monkeypatch):
    _, cfg = load_config(monkeypatch, PORT="8123", WEB_CONCURRENCY="3")

    assert cfg.bind == ["127.0.0.1:8123"]
    assert cfg.workers == 3


def test_it_defaults_to_port_8000_and_two_workers_per_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)

    _, cfg = load_config(monkeypatch)

    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.workers == 8


def test_it_lets_a_deployment_bind_elsewhere(monkeypatch):
    _, cfg = load_config(monkeypatch, BIND="10.0.0.5:8000")

    assert cfg.bind == ["10.0.0.5:8000"]


def test_every_name_in_the_file_is_a_gunicorn_setting(monkeypatch):
    namespace, cfg = load_config(monkeypatch)

    names = {name for name in namespace if not name.startswith("_") and name != "os"}
    assert names - set(cfg.settings) == set()


def test_it_serves_the_project_with_the_json_logger(monkeypatch):
    _, cfg = load_config(monkeypatch)

    assert cfg.wsgi_app == "mastoweb.wsgi:application"
    assert cfg.logger_class is GunicornLogger
    assert cfg.accesslog == "-"
    assert cfg.control_socket_disable is True

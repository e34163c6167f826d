"""Settings come from environment variables only; each variable changes what it says."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[2] / "participation" / "settings.py"
VARIABLES = [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL",
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL",
    "MAP_TILE_URL", "MAP_TILE_ATTRIBUTION", "BEHIND_PROXY", "SECURE_SSL_REDIRECT", "TIME_ZONE",
    "DATABASE_POOL", "PAGE_CACHE_SECONDS", "REDIS_CONNECT_TIMEOUT", "REDIS_SOCKET_TIMEOUT",
    "TRUSTED_PROXY_COUNT",
]  # fmt: skip


def load(monkeypatch, **environment):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_development_defaults_need_no_service(monkeypatch):
    s = load(monkeypatch)
    assert s["DEBUG"] is True
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    layer = s["CHANNEL_LAYERS"]["default"]["BACKEND"]
    assert layer == "consultations.layers.InProcessChannelLayer"
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert s["LANGUAGE_CODE"] == "de"
    assert s["TIME_ZONE"] == "Europe/Berlin"
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load(monkeypatch, DEBUG="0")


def test_production_is_locked_down(monkeypatch):
    s = load(monkeypatch, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="mitreden.example.org")
    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["mitreden.example.org"]
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert s["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_postgres_uses_a_pool_and_never_persistent_connections(monkeypatch):
    s = load(monkeypatch, DATABASE_URL="postgres://town:secret@db.internal:5432/mitreden")
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.internal", "mitreden", "town")
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["max_size"] >= 1
    no_pool = load(monkeypatch, DATABASE_URL="postgres://db/m", DATABASE_POOL="0")
    assert "pool" not in no_pool["DATABASES"]["default"].get("OPTIONS", {})


def test_redis_carries_channel_layer_and_cache(monkeypatch):
    s = load(monkeypatch, REDIS_URL="redis://cache.internal:6379/2")
    layer = s["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    [host] = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://cache.internal:6379/2"
    for alias, fallback in (("default", "memory"), ("pages", "none")):
        assert s["CACHES"][alias]["LOCATION"] == "redis://cache.internal:6379/2"
        assert s["CACHES"][alias]["BACKEND"] == "participation.cache.SharedRedisCache"
        assert s["CACHES"][alias]["OPTIONS"]["FALLBACK"] == fallback


def test_a_dead_redis_cannot_hold_up_requests_for_long(monkeypatch):
    s = load(monkeypatch, REDIS_URL="redis://cache.internal:6379/2")
    [host] = s["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    options = s["CACHES"]["default"]["OPTIONS"]
    for config in (host, options):
        assert 0 < config["socket_connect_timeout"] <= 1
        assert 0 < config["socket_timeout"] <= 2
    slow = load(
        monkeypatch,
        REDIS_URL="redis://cache.internal:6379/2",
        REDIS_CONNECT_TIMEOUT="2",
        REDIS_SOCKET_TIMEOUT="3.5",
    )
    assert slow["CACHES"]["pages"]["OPTIONS"]["socket_timeout"] == 3.5
    assert slow["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"][0]["socket_connect_timeout"] == 2
    with pytest.raises(ImproperlyConfigured, match="REDIS_SOCKET_TIMEOUT"):
        load(monkeypatch, REDIS_SOCKET_TIMEOUT="soon")


def test_lists_booleans_and_numbers_are_parsed_strictly(monkeypatch):
    s = load(
        monkeypatch,
        ALLOWED_HOSTS=" a.example , b.example ,",
        CSRF_TRUSTED_ORIGINS="https://a.example",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="yes",
        BEHIND_PROXY="1",
    )
    assert s["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://a.example"]
    assert s["EMAIL_PORT"] == 587 and s["EMAIL_USE_TLS"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load(monkeypatch, DEBUG="maybe")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        load(monkeypatch, EMAIL_PORT="twenty-five")


def test_map_tiles_are_configurable_and_allowed_by_the_csp(monkeypatch):
    s = load(monkeypatch, MAP_TILE_URL="https://tiles.town.example/{z}/{x}/{y}.png")
    assert s["MAP_TILE_URL"] == "https://tiles.town.example/{z}/{x}/{y}.png"
    img_src = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert "https://tiles.town.example" in img_src
    script_src = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"]
    assert script_src == ["'self'"]


def test_trusted_proxies_are_counted_and_shared_with_allauth(monkeypatch):
    none = load(monkeypatch)
    assert none["TRUSTED_PROXY_COUNT"] == 0 and none["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert "SECURE_PROXY_SSL_HEADER" not in none
    one = load(monkeypatch, BEHIND_PROXY="1")
    assert one["TRUSTED_PROXY_COUNT"] == 1 and one["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    two = load(monkeypatch, BEHIND_PROXY="1", TRUSTED_PROXY_COUNT="2")
    assert two["TRUSTED_PROXY_COUNT"] == 2 and two["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2
    counted = load(monkeypatch, TRUSTED_PROXY_COUNT="1")
    assert counted["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    tls_only = load(monkeypatch, BEHIND_PROXY="1", TRUSTED_PROXY_COUNT="0")
    assert tls_only["TRUSTED_PROXY_COUNT"] == 0
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        load(monkeypatch, TRUSTED_PROXY_COUNT="-1")


def test_allauths_own_account_lockout_is_off(monkeypatch):
    s = load(monkeypatch)
    assert s["ACCOUNT_RATE_LIMITS"]["login_failed"] is None
    assert s["ACCOUNT_ADAPTER"] == "consultations.login_policy.AccountAdapter"
    assert s["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"] < s["LOGIN_FAILURES_PER_ACCOUNT"]

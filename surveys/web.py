"""What both respondent surfaces read from the request and the app the same way: the client, the GPC
signal, the notice in force, a receipt's issuer."""
from pathlib import Path

from flask import current_app, request, url_for

from .consent_receipts import Issuer
from .languages import current_language
from .notices import SHIPPED, Notice, in_language, read_notice
from .clients import ClientInfo, describe_client


def client_info() -> ClientInfo:
    return describe_client(request.remote_addr, request.user_agent.string, request.referrer,
                           truncate_ip=current_app.config["TRUNCATE_IP"])


def gpc_signal() -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


def receipt_issuer() -> Issuer:
    """The controller and the absolute addresses a consent receipt names, the same from either surface."""
    notice_url = url_for("respond.privacy", _external=True)
    return Issuer(controller_name=current_app.config["CONTROLLER_NAME"],
                  controller_contact=current_app.config["CONTROLLER_CONTACT"] or notice_url,
                  notice_url=notice_url, self_service_url=url_for("respond.me", _external=True),
                  api_url=url_for("api.delete_me", _external=True))


def current_notice(language: str | None = None) -> Notice:
    """The notice configured, else the instance's copy, else the one shipped; in the language asked (the page's,
    by default) from the file beside it, privacy-notice.es.md. Where that file is missing the notice is read in
    the service's own language: a translation from elsewhere could say other than the notice in force."""
    configured = current_app.config.get("PRIVACY_NOTICE_FILE")
    in_instance = Path(current_app.instance_path) / "privacy-notice.md"
    path = Path(configured) if configured else in_instance if in_instance.is_file() else SHIPPED
    language = language or current_language()
    translated = in_language(path, language)
    return read_notice(translated, language) if translated.is_file() else read_notice(path)

"""Request details both surfaces read the same way."""
from flask import current_app, request

from .services import ClientInfo, describe_client


def client_info() -> ClientInfo:
    return describe_client(request.remote_addr, request.user_agent.string, request.referrer,
                           truncate_ip=current_app.config["TRUNCATE_IP"])


def gpc_signal() -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"

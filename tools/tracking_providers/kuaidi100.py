"""快递100 (Kuaidi100) subscription pushes (订阅推送).

A form POST (``application/x-www-form-urlencoded``) with ``param`` (JSON:
``status``, ``message``, ``lastResult`` {``nu``, ``state``, ``data`` [{``context``,
``time``, ``ftime``, ``status``, ``areaName``, ``location``}]}, the full history
newest first) and ``sign`` = MD5(param + salt), 32 uppercase hex digits
(compared case-insensitively). Times are China Standard Time without an
offset. The answer is ``{"result": true, "returnCode": "200", "message":
"成功"}``; an error has the same shape.
"""

import hashlib
from datetime import timedelta

from .common import (
    Push,
    PushError,
    checkpoint,
    checkpoint_list,
    load_json,
    parse_time,
    signature_matches,
)
from .common import tracking_ref as clean_ref

NAME = "kuaidi100"
FORM = True
CHINA_STANDARD_TIME = timedelta(hours=8)

# ``state`` codes (basic and advanced, resultv2) and the status names of
# the checkpoints.
STATUS_MAP = {
    "0": "in_transit",  # 在途
    "1": "in_transit",  # 揽收
    "2": "exception",  # 疑难
    "3": "delivered",  # 签收
    "4": "exception",  # 退签
    "5": "out_for_delivery",  # 派件
    "6": "exception",  # 退回
    "7": "in_transit",  # 转投
    "8": "in_transit",  # 清关
    "10": "in_transit",  # 待清关
    "11": "in_transit",  # 清关中
    "12": "in_transit",  # 已清关
    "13": "exception",  # 清关异常
    "14": "exception",  # 拒签
    "在途": "in_transit",
    "揽收": "in_transit",
    "疑难": "exception",
    "签收": "delivered",
    "退签": "exception",
    "派件": "out_for_delivery",
    "退回": "exception",
    "转投": "in_transit",
    "清关": "in_transit",
    "待清关": "in_transit",
    "清关中": "in_transit",
    "已清关": "in_transit",
    "清关异常": "exception",
    "拒签": "exception",
}


def _field(form, name):
    values = form.getlist(name) if form is not None else []
    return values[0] if len(values) == 1 else None


def sign(secret, param):
    return hashlib.md5((param + secret).encode()).hexdigest().upper()


def verify(secret, raw, form, headers):
    param, received = _field(form, "param"), _field(form, "sign")
    if not param or not received:
        return False
    return signature_matches(sign(secret, param), received.upper())


def parse(raw, form):
    payload = load_json(_field(form, "param") or "", what="param field")
    result = payload.get("lastResult")
    if not isinstance(result, dict):
        raise PushError(400, "not a 快递100 push: no lastResult")
    items = checkpoint_list(result.get("data"), "lastResult.data")
    checkpoints = []
    for index, item in enumerate(items):
        code = item.get("statusCode")
        own_status = str(code) if code not in (None, "") else item.get("status") or ""
        provider_status = own_status
        if code in (None, "") and index == 0 and result.get("state") not in (None, ""):
            # The shipment's state is its newest checkpoint's; the key keeps
            # the checkpoint's own status, the same in every later push.
            provider_status = str(result["state"])
        checkpoints.append(
            checkpoint(
                NAME,
                STATUS_MAP,
                provider_id=None,
                provider_status=provider_status,
                event_date=parse_time(
                    item.get("ftime") or item.get("time"), naive_offset=CHINA_STANDARD_TIME
                ),
                location=item.get("areaName") or item.get("location"),
                description=item.get("context"),
                key_status=own_status,
            )
        )
    return Push(clean_ref(result.get("nu")), checkpoints)


def reply(status, message, created=None):
    if status == 200:
        return {"result": True, "returnCode": "200", "message": "成功"}
    return {"result": False, "returnCode": str(status), "message": message}

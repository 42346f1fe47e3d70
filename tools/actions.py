"""Client actions the addon's buttons return."""

SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification_action(message, notification_type="success", sticky=False, next_action=None):
    """Show ``message`` in a notification (``notification_type``: success,
    warning, danger or info), then run ``next_action``: by default reload the
    current view in place (the record shows what the button changed, with no
    new breadcrumb)."""
    params = {
        "type": notification_type,
        "message": message,
        "next": next_action or SOFT_RELOAD,
    }
    if sticky:
        params["sticky"] = True
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

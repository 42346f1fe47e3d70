from .actions import SOFT_RELOAD, notification_action
from .locking import lock_rows_nowait, serialize_on
from .protected import (
    check_protected_create,
    check_protected_write,
    is_protected_write_granted,
    protected_write,
    write_protected,
)
from .records import changed_records
from .rendering import set_print_setup

__all__ = [
    "SOFT_RELOAD",
    "changed_records",
    "check_protected_create",
    "check_protected_write",
    "is_protected_write_granted",
    "lock_rows_nowait",
    "notification_action",
    "protected_write",
    "serialize_on",
    "set_print_setup",
    "write_protected",
]

from .locking import lock_rows_nowait
from .xlsx import set_print_setup

__all__ = ["lock_rows_nowait", "set_print_setup"]

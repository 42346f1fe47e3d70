from .xlsx import set_print_setup

__all__ = ["set_print_setup"]

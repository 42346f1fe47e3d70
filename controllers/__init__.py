from . import tracking
from . import portal_returns

from . import tracking
from . import portal_returns
from . import stock_count

from . import test_sale_order_review
from . import test_review_rules
from . import test_order_intake
from . import test_lifecycle
from . import test_ui
from . import test_i18n
from . import test_shipment_tracking
from . import test_tracking_webhook

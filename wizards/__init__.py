from . import sale_order_review_reject
from . import stock_picking_delivery_confirm
from . import stock_picking_tracking_import
from . import customer_return_reject
from . import customer_order_report_export
from . import stock_replenishment_planner
from . import sale_order_intake_map
from . import stock_replenishment_planner_demo

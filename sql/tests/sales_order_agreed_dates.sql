-- Singular data-quality test (README "Data quality"): a sales order's agreed delivery date is not
-- before the day it was created. Returns the failing rows; failing_key is shown as the sample key.
-- model: fact_sales_order
-- severity: warn
select
    concat_ws('|', cast(sales_order_id as varchar), cast(last_updated_date as varchar), last_updated_time) as failing_key
from {{ transformed.fact_sales_order }}
where agreed_delivery_date < created_date

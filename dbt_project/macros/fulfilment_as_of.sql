{#- How a credit commitment stood on the run's date (`run_date()`): its status counts from
    the day it was found (履行状态日期; without one, from the commitment itself), so a breach
    found later still reads as fulfilling, and an earlier --as-of reproduces that day. -#}
{% macro fulfilment_as_of(fulfilment, fulfilment_on, decision_date) -%}
case
    when coalesce({{ fulfilment_on }}, {{ decision_date }}) <= {{ run_date() }}
        then {{ fulfilment }}
    else 'fulfilling'
end
{%- endmacro %}

{#- The last day of a deadline "within `days` working days of `date_expr`" on the official
    calendar (creditlake.workdays, exported as source('reference', 'working_days')): the
    working day numbered number(date_expr) + days. The start day is not counted (Civil Code
    Art 201); a start on a rest day counts from the last working day before it, so 1 working
    day after a Saturday or a holiday is the next working day. 0 days (jl-draft Art 36,
    gd-draft Art 40: marked on acceptance) is the start day itself. `days` none: the profile
    sets no such deadline, and the date is null. -#}
{% macro add_working_days(date_expr, days) -%}
{%- if days is none -%}
null::date
{%- else -%}
(
    select greatest({{ date_expr }}, due.day)
    from {{ source('reference', 'working_days') }} as start
    inner join {{ source('reference', 'working_days') }} as due
        on due.working_day_number = start.working_day_number + {{ days | int }} and due.is_working_day
    where start.day = {{ date_expr }}
)
{%- endif -%}
{%- endmacro %}

{#- The calendar day in Beijing time (the platform's calendar) of a UTC timestamp as
    landing writes `_landed_at`: a run at 01:00 Beijing time is still the day before in UTC. -#}
{% macro beijing_date(utc_timestamp) -%}
cast(timezone('Asia/Shanghai', {{ utc_timestamp }} at time zone 'UTC') as date)
{%- endmacro %}

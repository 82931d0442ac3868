{#- The latest landed copy of each key: a provider's corrected resubmission replaces the
    earlier copy (ties broken by batch). -#}
{% macro latest_copy(relation, key) -%}
select * from {{ relation }}
qualify row_number() over (partition by {{ key }} order by landed_at desc, batch_id desc) = 1
{%- endmacro %}

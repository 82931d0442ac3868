{#- A date field as agencies write it (docs/domain.md#what-real-extracts-look-like) that landing already checked: the
    common ISO, slash, dotted, compact and Chinese forms, and 长期 (long-term). Landing
    parsed the decision date itself into _decision_date; other dates are parsed here. -#}
{% macro parse_extract_date(column) -%}
case
    when trim({{ column }}) in ('长期', '永久', '长期有效') then date '2099-12-31'
    when trim({{ column }}) = '' then null
    else coalesce(
        try_strptime(regexp_replace(trim({{ column }}), '[年月/.]', '-', 'g'), '%Y-%m-%d'),
        try_strptime(left(trim({{ column }}), 10), '%Y-%m-%d'),
        try_strptime(trim({{ column }}), '%Y%m%d')
    )::date
end
{%- endmacro %}

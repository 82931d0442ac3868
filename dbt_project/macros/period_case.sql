{#- One attribute of the publicity period in force on the decision date, by nature class,
    from the profile's period versions (var('rules'); national rules are versioned:
    DOMAIN.md §4). Basic and positive information is long-term (hl-draft Art 51,
    hl-2022 Art 37). `attribute`: published | min | max (months; null = long-term). -#}
{% macro period_case(attribute) -%}
{%- set on_basic = {'published': 'true', 'min': '0', 'max': 'null'}[attribute] -%}
case
    when nature_class in ('basic', 'positive') then {{ on_basic }}
    {%- for v in var('rules')['period_versions'] %}
    when decision_date between date '{{ v['from'] }}' and date '{{ v['to'] }}' then case nature_class
        {%- for cls in ['minor', 'general', 'serious'] %}
        {%- set value = v[cls][attribute] %}
        when '{{ cls }}' then {{ ('true' if value else 'false') if attribute == 'published' else (value if value is not none else 'null') }}
        {%- endfor %}
    end
    {%- endfor %}
end
{%- endmacro %}

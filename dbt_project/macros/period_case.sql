{#- One attribute of the publicity period in force on the decision date, by nature class,
    from the profile's period versions (var('rules').period_versions: national rules are
    versioned, and decisions older than the first version follow `earlier_decisions`).
    Only negative information has periods here; basic, positive and other information end
    by their own rules (int_credit__records_conformed). `attribute`: published | min | max
    (months; null = no fixed period) | article (the version's). -#}
{% macro period_case(attribute) -%}
{%- set otherwise = {'published': 'true', 'min': '0', 'max': 'null', 'article': 'null'}[attribute] -%}
case
    when nature_class not in ('minor', 'general', 'serious') then {{ otherwise }}
    {%- for v in var('rules')['period_versions'] %}
    {%- if attribute == 'article' %}
    when decision_date between date '{{ v['from'] }}' and date '{{ v['to'] }}' then '{{ v['article'] | replace("'", "''") }}'
    {%- else %}
    when decision_date between date '{{ v['from'] }}' and date '{{ v['to'] }}' then case nature_class
        {%- for cls in ['minor', 'general', 'serious'] %}
        {%- set value = v[cls][attribute] %}
        when '{{ cls }}' then {{ ('true' if value else 'false') if attribute == 'published' else (value if value is not none else 'null') }}
        {%- endfor %}
    end
    {%- endif %}
    {%- endfor %}
end
{%- endmacro %}

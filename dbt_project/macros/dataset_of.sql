{#- The dataset an event refers to, from its 原信息类别 (code or Chinese name). -#}
{% macro dataset_of(column) -%}
case trim({{ column }})
    when '行政处罚' then 'penalties'
    when '行政许可' then 'licenses'
    when '失信被执行人' then 'court_dishonest'
    when '严重失信主体名单' then 'serious_determinations'
    else trim({{ column }})
end
{%- endmacro %}

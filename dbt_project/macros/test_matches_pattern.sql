{#- Every non-null value of a column matches a regular expression (RE2, as DuckDB's
    regexp_full_match reads it). -#}
{% test matches_pattern(model, column_name, regex) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not regexp_full_match({{ column_name }}, '{{ regex }}')
{% endtest %}

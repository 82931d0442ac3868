{#- A combination of columns is unique (dbt_utils' unique_combination_of_columns, without
    the package: nothing may be downloaded at run time). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

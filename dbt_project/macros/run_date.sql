{#- The run's date, the "today" of the law's periods and deadlines, as a DATE: CREDITLAKE_AS_OF,
    which creditlake sets for each run (creditlake/warehouse.py), else var('as_of') (dbt run by
    hand, with --vars). An environment variable, not a var, because dbt parses the whole project
    again whenever a var changes, and the date changes every day (1-2 s a cycle, README); a changed
    environment variable re-parses only the files that read it. -#}
{% macro run_date() -%}
cast('{{ env_var("CREDITLAKE_AS_OF", var("as_of")) }}' as date)
{%- endmacro %}

{#- A text field as agencies fill it: surrounding spaces dropped, and an empty value (or one
    of spaces only) read as no value at all. -#}
{% macro blank_as_null(column) -%}
nullif(trim({{ column }}), '')
{%- endmacro %}

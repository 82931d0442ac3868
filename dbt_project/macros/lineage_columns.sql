{#- The landing columns every staging model ends with: the batch that brought the row and when
    it landed; with `source_position`, also the file and row it was read from (the models whose
    rows are traced back to the provider's extract). Ends with a trailing comma. -#}
{% macro lineage_columns(source_position=false) -%}
{%- if source_position -%}
_source_file as source_file,
        _source_row as source_row,
        {% endif -%}
_batch_id as batch_id,
        cast(_landed_at as timestamp) as landed_at,
{%- endmacro %}

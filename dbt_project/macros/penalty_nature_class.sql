{#- The nature class of a penalty (minor / general / serious dishonesty) from its categories,
    fine and subject type, on the tiers of the active profile (var('rules').penalty_tiers:
    NDRC Order 36 by default). The minor fine ceiling is the simple procedure's, which is
    lower for a citizen (incl. an individual business) than for an organisation
    (Administrative Penalty Law 2021 Art 51), and so are the categories it may impose
    (`minor_fine_categories`). Categories may be joined with ';'. -#}
{% macro penalty_nature_class(category, fine_wan, subject_type) -%}
{%- set tiers = var('rules')['penalty_tiers'] -%}
{%- set ceilings = tiers['minor_fine_wan'] -%}
case
    when list_has_any(
            string_split(replace({{ category }}, '；', ';'), ';'),
            [{% for c in tiers['serious_categories'] %}'{{ c }}'{{ "," if not loop.last }}{% endfor %}]
         )
        or coalesce({{ fine_wan }}, 0) >= {{ tiers['serious_fine_wan'] }}
        then 'serious'
    when list_has_all(
            [{% for c in tiers['minor_only_categories'] %}'{{ c }}'{{ "," if not loop.last }}{% endfor %}],
            string_split(replace({{ category }}, '；', ';'), ';')
         )
        or (coalesce({{ fine_wan }}, 0) <= case {{ subject_type }}
                {%- for kind, ceiling in ceilings.items() %} when '{{ kind }}' then {{ ceiling }}{% endfor %}
                else {{ ceilings.values() | min }} end
            and list_has_all(
                [{% for c in tiers['minor_fine_categories'] %}'{{ c }}'{{ "," if not loop.last }}{% endfor %}],
                string_split(replace({{ category }}, '；', ';'), ';')
            ))
        then 'minor'
    else 'general'
end
{%- endmacro %}

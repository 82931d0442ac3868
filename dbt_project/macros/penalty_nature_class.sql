{#- The nature class of a penalty (minor / general / serious dishonesty) from its categories
    and fine, on the tiers of the active profile (var('rules').penalty_tiers; NDRC Order 36
    by default, DOMAIN.md §4). Categories may be joined with ';'. -#}
{% macro penalty_nature_class(category, fine_wan) -%}
{%- set tiers = var('rules')['penalty_tiers'] -%}
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
        or (coalesce({{ fine_wan }}, 0) <= {{ tiers['minor_fine_wan'] }}
            and {{ category }} in ('罚款', '警告;罚款', '罚款;警告'))
        then 'minor'
    else 'general'
end
{%- endmacro %}

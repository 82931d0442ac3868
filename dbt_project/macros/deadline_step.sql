{#- The columns every row of fct_deadlines has: what the count runs from, when it started,
    when it was due, when it was done, and the profile's rule (`deadline`: one entry of
    var('rules')['deadlines']; days none: not tracked, and the mart drops the row). -#}
{% macro deadline_step(process, name, deadline, counted_from, started_on, done_on) -%}
        '{{ process }}' as process,
        '{{ name }}' as step,
        '{{ counted_from }}' as counted_from,
        {{ started_on }} as started_on,
        {{ add_working_days(started_on, deadline['days']) }} as due_by,
        {{ done_on }} as done_on,
        {{ deadline['days'] if deadline['days'] is not none else 'null' }}::integer as deadline_days,
        '{{ deadline['rule'] | replace("'", "''") }}' as rule,
{%- endmacro %}

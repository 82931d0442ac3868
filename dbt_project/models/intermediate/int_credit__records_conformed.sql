-- Every credit record, whatever its dataset, on one shape: its catalog item (categories
-- from creditlake/catalog.yml, passed as var('catalog')), subject,
-- nature class and publicity window under the active profile (var('rules')).
-- Periods run from the date the profile's `period_start` names (the decision, its effective
-- date, or the end of continuing conduct, where the extract carries them); the last day of
-- publicity is the same-numbered day after the period (Civil Code Art 201-203; DuckDB's
-- month arithmetic clamps to the month's last day, as the Civil Code does). Every record
-- without a last day says which rule keeps it published (`end_rule`).
{% set rules = var('rules') %}
{%- set long_term = rules['long_term_categories'] %}
{%- set categories = long_term['categories'].values() | sum(start=[]) %}
{%- set fields = long_term['fields'].values() | sum(start=[]) %}

with

penalties as (

    select
        record_id,
        'penalties' as dataset,
        'administrative_penalty' as catalog_item,
        '{{ var("catalog")["administrative_penalty"]["category"] }}' as catalog_category,
        subject_type,
        subject_key,
        subject_name,
        legal_representative,
        legal_representative_id,
        decision_number,
        decision_date,
        {{ penalty_nature_class('penalty_category', 'fine_amount_wan', 'subject_type') }} as nature_class,
        'negative' as polarity,
        null::varchar as honour_kind,
        null::date as valid_to,
        effective_date,
        conduct_end_date,
        -- hl-draft Art 51: licence revocations and lifetime market bans in the listed fields
        -- are published long-term (a category and a field must both match)
        {% if categories and fields -%}
        regexp_matches(concat_ws(' ', penalty_category, penalty_content), '{{ categories | join("|") }}')
            and regexp_matches(concat_ws(' ', violation_type, legal_basis, penalty_content, authority),
                               '{{ fields | join("|") }}')
        {%- else %}false{% endif %} as long_term_category,
        -- jl-draft Art 37: certain serious penalties run their full term and are never repaired
        {% if rules['never_repairable'] -%}
        regexp_matches(concat_ws(' ', penalty_category, penalty_content), '{{ rules['never_repairable'] | join("|") }}')
        {%- else %}false{% endif %} as never_repairable,

    from {{ ref('stg_landing__penalties') }}

),

licenses as (

    select
        record_id,
        'licenses' as dataset,
        'administrative_licence' as catalog_item,
        '{{ var("catalog")["administrative_licence"]["category"] }}' as catalog_category,
        subject_type,
        subject_key,
        subject_name,
        legal_representative,
        legal_representative_id,
        decision_number,
        decision_date,
        'basic' as nature_class,
        'basic' as polarity,
        null::varchar as honour_kind,
        valid_to,

    from {{ ref('stg_landing__licenses') }}

),

court_dishonest as (

    -- A court's dishonest judgment debtor is a serious dishonest subject
    -- (hl-draft Art 38, hl-2022 Art 28).
    select
        record_id,
        'court_dishonest' as dataset,
        'court_dishonest_debtor' as catalog_item,
        '{{ var("catalog")["court_dishonest_debtor"]["category"] }}' as catalog_category,
        subject_type,
        subject_key,
        subject_name,
        legal_representative,
        null::varchar as legal_representative_id,
        case_number as decision_number,
        decision_date,
        'serious' as nature_class,
        'negative' as polarity,
        null::varchar as honour_kind,
        null::date as valid_to,

    from {{ ref('stg_landing__court_dishonest') }}

),

honors as (

    select
        record_id,
        'honors' as dataset,
        'honour' as catalog_item,
        '{{ var("catalog")["honour"]["category"] }}' as catalog_category,
        subject_type,
        subject_key,
        subject_name,
        null::varchar as legal_representative,
        null::varchar as legal_representative_id,
        decision_number,
        decision_date,
        'positive' as nature_class,
        'positive' as polarity,
        honour_kind,
        valid_to,

    from {{ ref('stg_landing__honors') }}

),

credit_commitments as (

    -- 信用承诺 and how each was kept go into the credit file (city-2022 Art 32, jl-draft
    -- Art 51); "other" information, disclosed for its validity period, else until
    -- cancelled (gd-draft Art 24(3)). The other datasets have no fulfilment: `union all
    -- by name` gives them nulls.
    select
        record_id,
        'credit_commitments' as dataset,
        'credit_commitment' as catalog_item,
        '{{ var("catalog")["credit_commitment"]["category"] }}' as catalog_category,
        subject_type,
        subject_key,
        subject_name,
        null::varchar as legal_representative,
        null::varchar as legal_representative_id,
        decision_number,
        decision_date,
        'other' as nature_class,
        'other' as polarity,
        null::varchar as honour_kind,
        valid_to,
        fulfilment,
        fulfilment_on,

    from {{ ref('stg_landing__credit_commitments') }}

),

unioned as (

    select * from penalties
    union all by name
    select * from licenses
    union all by name
    select * from court_dishonest
    union all by name
    select * from honors
    union all by name
    select * from credit_commitments

),

windowed as (

    select
        *,
        {{ period_case('published') }} as published_at_all,
        {{ period_case('max') }} as max_months,
        {{ period_case('min') }} as min_months,
        {{ period_case('article') }} as period_article,
        {%- if rules['period_start'] == 'effective_date' %}
        coalesce(effective_date, decision_date) as period_from,
        {%- elif rules['period_start'] == 'conduct_end' %}
        coalesce(conduct_end_date, decision_date) as period_from,
        {%- else %}
        decision_date as period_from,
        {%- endif %}
        coalesce(long_term_category, false) as long_term_category,
        coalesce(never_repairable, false) as never_repairable,
        valid_to is not null and valid_to < date '2099-12-31' as has_validity,

    from unioned

),

ends as (

    select
        *,
        case
            {%- if rules['court_list_months'] is not none %}
            when dataset = 'court_dishonest' then cast(decision_date + to_months({{ rules['court_list_months'] }}) as date)
            {%- else %}
            when dataset = 'court_dishonest' then null
            {%- endif %}
            when long_term_category then null
            when nature_class = 'basic' then
                {{- " case when has_validity then valid_to end"
                    if rules['basic_publicity'] == 'validity' else ' null' }}
            when nature_class = 'positive' then
                {{- " case when has_validity then valid_to end"
                    if rules['positive_publicity'] == 'validity' else ' null' }}
            when nature_class = 'other' then case when has_validity then valid_to end
            else cast(period_from + to_months(max_months) as date)
        end as latest_end,
        case
            when dataset = 'court_dishonest' then '{{ rules['end_rules']['court'] | replace("'", "''") }}'
            when long_term_category then 'long-term: {{ rules['end_rules']['long_term'] | replace("'", "''") }}'
            when nature_class = 'basic' then '{{ rules['end_rules']['basic'] | replace("'", "''") }}'
            when nature_class = 'positive' then '{{ rules['end_rules']['positive'] | replace("'", "''") }}'
            when nature_class = 'other' then '{{ rules['end_rules']['other'] | replace("'", "''") }}'
            else period_article
        end as end_rule,

    from windowed

),

final as (

    select
        record_id,
        dataset,
        catalog_item,
        catalog_category,
        subject_type,
        subject_key,
        subject_name,
        legal_representative,
        legal_representative_id,
        decision_number,
        decision_date,
        nature_class,
        polarity,
        honour_kind,
        published_at_all,
        decision_date as published_from,
        period_from,
        case
            when never_repairable then latest_end
            else cast(period_from + to_months(min_months) as date)
        end as earliest_end,
        latest_end,
        latest_end is null as long_term,
        long_term_category,
        end_rule,
        -- a minor penalty, where published at all, is repaired as a general one
        case
            when dataset = 'court_dishonest' or never_repairable then false
            {%- for cls, r in rules['repair'].items() %}
            when nature_class in {{ "('minor', 'general')" if cls == 'general' else "('" ~ cls ~ "')" }}
                then {{ 'true' if r['repairable'] else 'false' }}
            {%- endfor %}
            else false
        end as repairable,
        case
            when dataset = 'court_dishonest' or never_repairable then null
            {%- for cls, r in rules['repair'].items() %}
            when nature_class in {{ "('minor', 'general')" if cls == 'general' else "('" ~ cls ~ "')" }}
                then {{ "cast(decision_date + to_months(" ~ r['wait_months'] ~ ") as date)"
                        if r['repairable'] else 'null' }}
            {%- endfor %}
        end as earliest_repair_on,

    from ends

)

select * from final

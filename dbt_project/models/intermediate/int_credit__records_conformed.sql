-- Every credit record, whatever its dataset, on one shape: its catalog item (categories
-- from creditlake/catalog.yml, passed as var('catalog')), subject,
-- nature class and publicity window under the active profile (var('rules')).
-- Periods run from the decision date; the last day of publicity is the same-numbered
-- day after the period (Civil Code Art 201-203; DuckDB's month arithmetic clamps to the
-- month's last day, as the Civil Code does).
{% set rules = var('rules') %}

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
        {{ penalty_nature_class('penalty_category', 'fine_amount_wan') }} as nature_class,
        'negative' as polarity,
        null::varchar as honour_kind,
        null::date as valid_to,

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

unioned as (

    select * from penalties
    union all by name
    select * from licenses
    union all by name
    select * from court_dishonest
    union all by name
    select * from honors

),

windowed as (

    select
        *,
        {{ period_case('published') }} as published_at_all,
        {{ period_case('max') }} as max_months,
        {{ period_case('min') }} as min_months,

    from unioned

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
        cast(decision_date + to_months(min_months) as date) as earliest_end,
        -- licences and honours end with their own validity when they have one
        -- (gd-draft Art 24: "other info: its validity period").
        -- The court's list stays published until the court removes the entry (a revocation
        -- event), not for a fixed period (hl-2022 Art 28-29).
        case
            when dataset = 'court_dishonest' then null
            when max_months is null and valid_to is not null and valid_to < date '2099-12-31' then valid_to
            when max_months is not null then cast(decision_date + to_months(max_months) as date)
        end as latest_end,
        dataset = 'court_dishonest'
            or (max_months is null and (valid_to is null or valid_to >= date '2099-12-31')) as long_term,
        -- a minor penalty, where published at all, is repaired as a general one
        case
            when dataset = 'court_dishonest' then false
            {%- for cls, r in rules['repair'].items() %}
            when nature_class in {{ "('minor', 'general')" if cls == 'general' else "('" ~ cls ~ "')" }}
                then {{ 'true' if r['repairable'] else 'false' }}
            {%- endfor %}
            else false
        end as repairable,
        case
            when dataset = 'court_dishonest' then null
            {%- for cls, r in rules['repair'].items() %}
            when nature_class in {{ "('minor', 'general')" if cls == 'general' else "('" ~ cls ~ "')" }}
                then {{ "cast(decision_date + to_months(" ~ r['wait_months'] ~ ") as date)" if r['repairable'] else 'null' }}
            {%- endfor %}
        end as earliest_repair_on,

    from windowed

)

select * from final

-- What the public may see today of administrative penalties (行政处罚).
-- Organisations only: natural persons' credit information is not public in principle
-- (jl-draft Art 18, gd-draft Art 21); individual businesses are withheld until their
-- disclosure rule is configured (privacy fails closed).
with

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

in_window as (

    select
        *,
        -- publicity_end is the last day of publicity: the period starts the day after the
        -- decision and ends on the same-numbered day (Civil Code Art 201-203); its length is
        -- the profile's maximum (national default: NDRC Order 36, general penalties 1 year).
        cast(decision_date + to_months({{ var('publicity_max_months') }}) as date) as publicity_end,

    from penalties
    where subject_type = 'organisation'

),

final as (

    select
        record_id,
        subject_name,
        subject_uscc,
        legal_representative,
        decision_number,
        violation_type,
        violation_facts,
        legal_basis,
        penalty_category,
        penalty_content,
        fine_amount_wan,
        decision_date,
        publicity_end,
        authority,
        authority_uscc,
        provider,

    from in_window
    where decision_date <= cast('{{ var("as_of") }}' as date)
      and publicity_end >= cast('{{ var("as_of") }}' as date)

)

select * from final

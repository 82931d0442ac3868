-- Records whose publicity ended or that were repaired: kept, never disclosed
-- (hl-draft Art 51, gd-draft Art 24, hl-2022 Art 37).
with

records as (

    select * from {{ ref('int_credit__records_as_of') }}

),

final as (

    select
        record_id,
        dataset,
        catalog_item,
        subject_type,
        subject_key,
        decision_number,
        decision_date,
        nature_class,
        status as archived_because,
        left_on as archived_on,
    from records
    where status in ('expired', 'repaired')

)

select * from final

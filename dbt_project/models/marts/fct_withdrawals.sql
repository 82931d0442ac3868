-- Every record that left publication or sharing by the run's date, when and why:
-- expired, repaired, revoked, deleted or withheld on request; and corrected records, whose
-- old copy recipients must replace (city-2022 Art 47: institutions must take down what
-- is no longer public; the open data's next version drops them).
with

records as (

    select * from {{ ref('int_credit__records_as_of') }}

),

left_publication as (

    select
        record_id, dataset, catalog_item, subject_type, subject_key,
        left_on as withdrawn_on,
        case status
            when 'deleted_on_request' then 'deleted_on_request'
            when 'withheld_on_request' then 'withheld_on_request'
            else status
        end as reason,
    from records
    where left_on is not null and published_at_all and left_on >= decision_date

),

corrected as (

    select
        record_id, dataset, catalog_item, subject_type, subject_key,
        corrected_on as withdrawn_on,
        'corrected' as reason,
    from records
    where corrected_on is not null and status = 'published'

)

select * from left_publication
union all
select * from corrected

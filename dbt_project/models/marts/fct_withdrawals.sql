{%- set days = var('rules')['deadlines']['revocation_withdraw']['days'] %}
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
        status as reason,
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

),

unioned as (

    select * from left_publication
    union all
    select * from corrected

),

working_days as (

    select * from {{ source('reference', 'working_days') }}

)

-- A revoked or corrected legal basis must be withdrawn within the profile's working days
-- (city-2022 Art 45: 2; hl-draft Art 52, hl-2022 Art 38: 1).
select
    unioned.*,
    case when unioned.reason in ('revoked', 'corrected') then (
        select min(due.day) from working_days as due
        where due.is_working_day
          and due.working_day_number = start.working_day_number + {{ days }}
    ) end as withdraw_due_by,
from unioned
left join working_days as start on start.day = unioned.withdrawn_on

{%- set days = var('rules')['deadlines']['revocation_withdraw']['days'] %}
-- Every record that left publication or sharing by the run's date, when and why:
-- expired, repaired, revoked, deleted or withheld on request; and corrected records, whose
-- old copy recipients must replace (city-2022 Art 47: institutions must take down what
-- is no longer public; the open data's next version drops them).
with

records as (

    select * from {{ ref('int_credit__records_as_of') }}

),

revocations as (

    select * from {{ ref('stg_landing__revocations') }}

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

revocation_receipts as (

    -- The day the platform was told of each revocation or correction: the provider's report
    -- date (上报日期), else the day it landed (fct_deadlines' revocation `withdraw` step
    -- counts from the same day).
    select
        record_id, action, effective_on,
        min(coalesce(reported_on, {{ beijing_date('landed_at') }})) as received_on,
    from revocations
    group by all

),

final as (

    -- A revoked or corrected legal basis must be withdrawn within the profile's working days
    -- of the platform receiving it (city-2022 Art 45: 收到该书面告知之日起的两个工作日内;
    -- hl-draft Art 52, hl-2022 Art 38: 一个工作日内). Withdrawn by an objection's decision
    -- instead (no revocation took effect that day): no deadline in days (hl-2022 Art 39:
    -- 及时更正), null.
    select
        unioned.*,
        case
            when unioned.reason in ('revoked', 'corrected')
                then {{ add_working_days('receipts.received_on', days) }}
        end as withdraw_due_by,
    from unioned
    left join revocation_receipts as receipts
        on
            unioned.record_id = receipts.record_id
            and unioned.reason = receipts.action
            and unioned.withdrawn_on = receipts.effective_on

)

select * from final

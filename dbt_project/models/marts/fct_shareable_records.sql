-- What licensed credit service institutions may receive on the run's date, before the
-- licence and authorisation filters of the feeds (docs/law.md#credit-service-institutions). Repair stops sharing too
-- (NDRC Order 36); the objection mark travels with the record (jl-draft Art 36).
with

records as (

    select * from {{ ref('int_credit__records_as_of') }}

),

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

licenses as (

    select * from {{ ref('stg_landing__licenses') }}

),

court_dishonest as (

    select * from {{ ref('stg_landing__court_dishonest') }}

),

honors as (

    select * from {{ ref('stg_landing__honors') }}

),

credit_commitments as (

    select * from {{ ref('stg_landing__credit_commitments') }}

),

published as (

    select * from records
    where status = 'published'

),

payloads as (

    select p.record_id, to_json(p)::varchar as record_json,
    from (
        select record_id, violation_type, legal_basis, penalty_category, fine_amount_wan, authority,
        from penalties
    ) as p
    union all
    select l.record_id, to_json(l)::varchar,
    from (
        select record_id, licence_category, certificate_name, licence_number, valid_from, valid_to, authority,
        from licenses
    ) as l
    union all
    select c.record_id, to_json(c)::varchar,
    from (select record_id, court, performance, dishonest_conduct, from court_dishonest) as c
    union all
    select h.record_id, to_json(h)::varchar,
    from (select record_id, honour_name, honour_kind, authority, from honors) as h
    union all
    -- a commitment and how it stood on the run's date (city-2022 Art 32); its 承诺内容 stays
    -- out, as the penalties' facts and the licences' contents do: free text is not
    -- desensitised for feeds
    select k.record_id, to_json(k)::varchar,
    from (
        select
            record_id,
            commitment_kind,
            commitment_matter,
            authority,
            valid_to,
            {{ fulfilment_as_of('fulfilment', 'fulfilment_on', 'decision_date') }} as fulfilment,
            case when fulfilment_on <= {{ run_date() }} then fulfilment_on end as fulfilment_on,
        from credit_commitments
    ) as k

),

final as (

    select
        published.record_id,
        published.dataset,
        published.catalog_item,
        published.subject_type,
        published.subject_key,
        published.subject_name,
        published.decision_number,
        published.decision_date,
        published.effective_end as publicity_end,
        published.nature_class,
        published.under_objection,
        payloads.record_json,
    from published
    left join payloads on published.record_id = payloads.record_id

)

select * from final

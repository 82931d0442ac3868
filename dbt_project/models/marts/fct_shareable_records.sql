-- What licensed credit service institutions may receive on the run's date, before the
-- licence and authorisation filters of the feeds (docs/law.md#credit-service-institutions). Repair stops sharing too
-- (NDRC Order 36); the objection mark travels with the record (jl-draft Art 36).
with

records as (

    select * from {{ ref('int_credit__records_as_of') }}
    where status = 'published'

),

payloads as (

    select record_id, to_json(p)::varchar as record_json
    from (
        select record_id, violation_type, legal_basis, penalty_category, fine_amount_wan, authority
        from {{ ref('stg_landing__penalties') }}
    ) as p
    union all
    select record_id, to_json(l)::varchar
    from (
        select record_id, licence_category, certificate_name, licence_number, valid_from, valid_to, authority
        from {{ ref('stg_landing__licenses') }}
    ) as l
    union all
    select record_id, to_json(c)::varchar
    from (select record_id, court, performance, dishonest_conduct from {{ ref('stg_landing__court_dishonest') }}) as c
    union all
    select record_id, to_json(h)::varchar
    from (select record_id, honour_name, honour_kind, authority from {{ ref('stg_landing__honors') }}) as h
    union all
    -- a commitment and how it stood on the run's date (city-2022 Art 32); its 承诺内容 stays
    -- out, as the penalties' facts and the licences' contents do: free text is not
    -- desensitised for feeds
    select record_id, to_json(k)::varchar
    from (
        select
            record_id, commitment_kind, commitment_matter, authority, valid_to,
            {{ fulfilment_as_of('fulfilment', 'fulfilment_on', 'decision_date') }} as fulfilment,
            case when fulfilment_on <= cast('{{ var("as_of") }}' as date) then fulfilment_on end as fulfilment_on,
        from {{ ref('stg_landing__credit_commitments') }}
    ) as k

)

select
    records.record_id,
    records.dataset,
    records.catalog_item,
    records.subject_type,
    records.subject_key,
    records.subject_name,
    records.decision_number,
    records.decision_date,
    records.effective_end as publicity_end,
    records.nature_class,
    records.under_objection,
    payloads.record_json,
from records
left join payloads using (record_id)

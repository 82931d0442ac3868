-- The court's dishonest judgment debtors (失信被执行人) open to the public: the court
-- publishes them by law, natural persons included (docs/domain.md#失信被执行人-the-courts-list); a natural person's data
-- made public is desensitised (city-2022 Art 23; hl-2022 Art 23): the publisher masks the
-- name to the surname and keeps only an already-masked ID.
with

state as (

    select record_id, under_objection
    from {{ ref('int_credit__records_as_of') }}
    where dataset = 'court_dishonest' and status = 'published'

),

final as (

    select
        court.record_id,
        court.subject_type,
        court.subject_name,
        court.subject_key as subject_identifier,
        court.legal_representative,
        court.case_number,
        court.court,
        court.province,
        court.basis_document,
        court.filed_on,
        court.obligation,
        court.performance,
        court.dishonest_conduct,
        court.decision_date as published_on,
        state.under_objection,

    from {{ ref('stg_landing__court_dishonest') }} as court
    inner join state using (record_id)

)

select * from final

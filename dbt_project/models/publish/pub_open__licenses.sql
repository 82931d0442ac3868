-- What the public may see today of administrative licences (行政许可): organisations'
-- licences in force (basic information, public in principle: jl-draft Art 18,
-- gd-draft Art 21). Natural persons' and individual businesses' are withheld.
with

state as (

    select record_id, effective_end, under_objection
    from {{ ref('int_credit__records_as_of') }}
    where dataset = 'licenses' and status = 'published' and subject_type = 'organisation'

),

final as (

    select
        licenses.record_id,
        licenses.subject_name,
        licenses.subject_key as subject_uscc,
        licenses.legal_representative,
        licenses.decision_number,
        licenses.decision_document,
        licenses.licence_category,
        licenses.certificate_name,
        licenses.licence_number,
        licenses.licence_content,
        licenses.decision_date,
        licenses.valid_from,
        licenses.valid_to,
        state.under_objection,
        licenses.authority,
        licenses.provider,

    from {{ ref('stg_landing__licenses') }} as licenses
    inner join state using (record_id)

)

select * from final

-- What the public may see today of administrative licences (行政许可): licences in force of
-- every subject type (basic information). Whose of them are opened is the profile's
-- `disclosure` rule, applied by the publisher (publishing/open_data.py `opened_subjects`):
-- organisations' where public (jl-draft Art 18, gd-draft Art 21), natural persons' and
-- individual businesses' only where the profile opens them, desensitised. A natural person
-- has no USCC: the citizen ID that keys the subject never reaches this model.
with

state as (

    select record_id, effective_end, under_objection
    from {{ ref('int_credit__records_as_of') }}
    where dataset = 'licenses' and status = 'published'

),

final as (

    select
        licenses.record_id,
        licenses.subject_type,
        licenses.subject_name,
        case when licenses.subject_type <> 'natural_person' then licenses.subject_key end as subject_uscc,
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

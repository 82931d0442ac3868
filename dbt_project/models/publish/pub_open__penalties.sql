-- What the public may see today of administrative penalties (行政处罚): published decisions
-- (not repaired, revoked, expired or excluded) of every subject type. Whose of them are opened
-- is the profile's `disclosure` rule, applied by the publisher (publishing/open_data.py
-- `opened_subjects`): organisations' where public (jl-draft Art 18, gd-draft Art 21), natural
-- persons' and individual businesses' only where the profile opens them, desensitised.
-- The objection mark travels with the record (jl-draft Art 36).
with

state as (

    select record_id, effective_end, under_objection, nature_class
    from {{ ref('int_credit__records_as_of') }}
    where dataset = 'penalties' and status = 'published'

),

final as (

    select
        penalties.record_id,
        penalties.subject_type,
        penalties.subject_name,
        penalties.subject_uscc,
        penalties.legal_representative,
        penalties.decision_number,
        penalties.violation_type,
        penalties.violation_facts,
        penalties.legal_basis,
        penalties.penalty_category,
        penalties.penalty_content,
        penalties.fine_amount_wan,
        penalties.decision_date,
        state.effective_end as publicity_end,
        state.nature_class,
        state.under_objection,
        penalties.authority,
        penalties.authority_uscc,
        penalties.provider,

    from {{ ref('stg_landing__penalties') }} as penalties
    inner join state using (record_id)

)

select * from final

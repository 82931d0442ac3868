-- The subject credit file (信用档案): per subject, its basic, positive and negative
-- records by state, and its current standing.
-- Credit commitments and how each was kept go into the file (city-2022 Art 32, jl-draft
-- Art 51): those published on the run's date, and of them the fulfilled and the breached,
-- as known on that date (macros/fulfilment_as_of.sql).
-- The serious dishonest list: whether the subject is on it that day, and, for a person, the
-- entries of listed organisations noted on them (role, organisation: jl-draft Art 28,
-- city-2022 Art 31, hl-draft Art 45, gd-draft Art 33, hl-2022 Art 33): a person noted on the
-- list has a file even without records of their own.
with

serious_list_entries as (

    select * from {{ ref('int_credit__serious_list') }}

),

records as (

    select * from {{ ref('int_credit__records_as_of') }}

),

credit_commitments as (

    select * from {{ ref('stg_landing__credit_commitments') }}

),

serious_list as (

    -- rows of their own, counted in no record column (no polarity, status 'listed'); an entry
    -- removed by then still gives the subject a file
    select
        subject_key,
        subject_type,
        subject_name,
        'serious_list' as dataset,
        'listed' as status,
        on_list and role is null as on_serious_list,
        false as under_objection,
        on_list as list_on_list,
        role as list_role,
        basis as list_basis,
        listed_on as list_listed_on,
        linked_to_subject_key,
        linked_to_subject_name,
    from serious_list_entries

),

records_and_list as (

    select * from records
    union all by name
    select * from serious_list

),

commitments as (

    select
        record_id,
        {{ fulfilment_as_of('fulfilment', 'fulfilment_on', 'decision_date') }} as fulfilment_as_of,
    from credit_commitments

),

final as (

    select
        records_and_list.subject_key,
        any_value(records_and_list.subject_type) as subject_type,
        any_value(records_and_list.subject_name) as subject_name,
        count(*) filter (where polarity = 'basic' and status = 'published') as basic_published,
        count(*) filter (where polarity = 'positive' and status = 'published') as positive_published,
        count(*) filter (where polarity = 'negative' and status = 'published') as negative_published,
        count(*) filter (where status in ('expired', 'repaired')) as archived,
        count(*) filter (
            where dataset = 'credit_commitments' and status = 'published'
        ) as commitments_published,
        count(*) filter (
            where dataset = 'credit_commitments' and status = 'published'
            and commitments.fulfilment_as_of = 'fulfilled'
        ) as commitments_fulfilled,
        count(*) filter (
            where dataset = 'credit_commitments' and status = 'published'
            and commitments.fulfilment_as_of = 'breached'
        ) as commitments_breached,
        bool_or(on_serious_list) as on_serious_list,
        count(*) filter (
            where dataset = 'serious_list' and list_on_list and list_role is null
        ) as serious_list_entries,
        coalesce(
            list(
                {
                    'role': list_role,
                    'organisation_key': linked_to_subject_key,
                    'organisation_name': linked_to_subject_name,
                    'basis': list_basis,
                    'listed_on': list_listed_on
                }
                order by list_listed_on, linked_to_subject_key
            ) filter (where list_on_list and list_role is not null),
            []
        ) as serious_list_noted_as,
        bool_or(under_objection and status = 'published') as under_objection,
    from records_and_list
    left join commitments on records_and_list.record_id = commitments.record_id
    where status <> 'not_yet'
    group by records_and_list.subject_key

)

select * from final

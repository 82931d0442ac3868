-- The serious dishonest list (严重失信主体名单) on the run's date: every entry on the list that
-- day, a court's dishonest judgment debtor (hl-2022 Art 28) or an agency's determination
-- (hl-2022 Art 28-29, gd-draft Art 31, city-2022 Art 30), and, as rows of their own, the
-- persons of a listed organisation the listing is noted on (jl-draft Art 28, city-2022 Art 31,
-- hl-draft Art 45, gd-draft Art 33, hl-2022 Art 33): `role` says which, `linked_to_entry_id`
-- the organisation's entry. Published lists state the removal conditions and remedies
-- (jl-draft Art 24, gd-draft Art 31): the entry's own, else the profile's
-- (int_credit__serious_list).
with

serious_list as (

    select * from {{ ref('int_credit__serious_list') }}

),

entries as (

    select * from serious_list
    where on_list

),

representatives as (

    -- a listed organisation's legal representative noted on the list
    select
        linked_to_entry_id as entry_id,
        min(subject_key) as person_key,
        min(subject_name) as person_name,
    from entries
    where role = 'legal_representative'
    group by 1

),

final as (

    select
        entry_id,
        subject_key,
        subject_type,
        subject_name,
        role,
        linked_to_entry_id,
        linked_to_subject_key,
        linked_to_subject_name,
        basis as inclusion_basis,
        determining_authority,
        decision_number,
        determination_id,
        listed_on,
        list_end,
        end_rule,
        removal_conditions,
        remedies,
        -- the natural person answerable for the entry: the listed person, the linked person,
        -- or a listed organisation's legal representative as its source names them
        case
            when subject_type = 'natural_person' then subject_name
            else coalesce(named_representative, representatives.person_name)
        end as responsible_person,
        case
            when subject_type = 'natural_person' then subject_key
            else representatives.person_key
        end as responsible_person_id,
    from entries
    left join representatives using (entry_id)

)

select * from final

-- The serious dishonest list (严重失信主体名单) on the run's date, with the responsible
-- persons of listed organisations: the same record is noted on the legal representative
-- (jl-draft Art 28, city-2022 Art 31, hl-draft Art 45, gd-draft Art 33, hl-2022 Art 33).
with

listed as (

    select subject_key, subject_type, any_value(subject_name) as subject_name,
           min(decision_date) as listed_on, count(*) as entries,
           any_value(legal_representative) as court_named_representative,
    from {{ ref('int_credit__records_as_of') }}
    where dataset = 'court_dishonest' and status = 'published'
    group by 1, 2

),

representatives as (

    -- the organisation's legal representative as its own records name them
    select subject_key, legal_representative, legal_representative_id,
    from {{ ref('int_credit__records_conformed') }}
    where legal_representative is not null
    qualify row_number() over (partition by subject_key order by decision_date desc) = 1

)

select
    listed.subject_key,
    listed.subject_type,
    listed.subject_name,
    listed.listed_on,
    listed.entries,
    coalesce(representatives.legal_representative, listed.court_named_representative) as responsible_person,
    representatives.legal_representative_id as responsible_person_id,
    'court_dishonest_debtor' as inclusion_basis,
    -- published lists state removal conditions and remedies (jl-draft Art 24, gd-draft Art 31)
    '全部履行生效法律文书确定的义务或经人民法院依法删除后移出名单；可依法提出异议或申请信用修复' as removal_conditions,
from listed
left join representatives
    on representatives.subject_key = listed.subject_key and listed.subject_type <> 'natural_person'

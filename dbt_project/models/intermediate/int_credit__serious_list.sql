-- The serious dishonest list (严重失信主体名单) on the run's date (`run_date()`): one row per
-- entry listed by then, on the list that day or removed, when and why. Events count only from
-- their own date, so an earlier run date reproduces that day's list.
--   * A court's dishonest judgment debtor is a serious dishonest subject (hl-2022 Art 28,
--     hl-draft Art 38) until the court removes it (a revocation) or the profile's
--     `court_list_publicity` ends it.
--   * An agency's written determination (hl-2022 Art 28-29, hl-draft Art 37-38, gd-draft
--     Art 29-31, city-2022 Art 29-30) lists its subject to its 有效期至, else for the profile's
--     `serious_list.default_term`; it leaves earlier when the determination is revoked, when an
--     objection is decided for the subject (hl-2022 Art 35, hl-draft Art 55: 撤销 as the
--     objection's outcome) or, where the profile's `serious_list.repair_removes` says so, when
--     it is repaired (hl-2022 Art 40, hl-draft Art 54, city-2022 Art 46; not gd-draft Art 41,
--     jl-draft Art 38).
--   * The persons answerable for a listed organisation are entries of their own, keyed by
--     their ID number, so the listing is noted on their own credit file (jl-draft Art 28,
--     city-2022 Art 31, hl-draft Art 45, gd-draft Art 33, hl-2022 Art 33): those the
--     determination names, in the roles the profile's `serious_list.linked_roles` lists; for a
--     court entry, the legal representative the court names, found with an ID number in the
--     organisation's own records. A linked entry leaves with the organisation's, or alone by
--     an event on the person's own key.
-- An entry's last day on the list is `list_end`; it is off the list from the day after
-- (`removed_on`, reason `expired`), as a record's publicity ends (Civil Code Art 201-203).
{%- set rules = var('rules')['serious_list'] %}
{%- set as_of = run_date() %}
{%- set citizen_id = "'^[0-9]{17}[0-9X]$'" %}

with

court as (

    select
        records.record_id as entry_id,
        'court_dishonest_debtor' as basis,
        records.subject_type,
        records.subject_key,
        records.subject_name,
        court_list.court as determining_authority,
        records.decision_number,
        null::varchar as determination_id,
        records.decision_date as listed_on,
        records.latest_end as list_end,
        records.end_rule,
        null::varchar as own_removal_conditions,
        null::varchar as own_remedies,
        records.legal_representative as named_representative,
    from {{ ref('int_credit__records_conformed') }} as records
    inner join {{ ref('stg_landing__court_dishonest') }} as court_list using (record_id)
    where records.dataset = 'court_dishonest'
      and records.decision_date <= {{ as_of }}

),

determinations as (

    select * from {{ ref('stg_landing__serious_determinations') }}
    where decision_date <= {{ as_of }}

),

agency as (

    select
        record_id as entry_id,
        'agency_determination' as basis,
        subject_type,
        subject_key,
        subject_name,
        authority as determining_authority,
        decision_number,
        determination_id,
        decision_date as listed_on,
        case
            when valid_to >= date '2099-12-31' then null  -- 长期: until removed
            when valid_to is not null then valid_to
            {%- if rules['default_term_months'] is not none %}
            else cast(decision_date + to_months({{ rules['default_term_months'] }}) as date)
            {%- endif %}
        end as list_end,
        case
            when valid_to >= date '2099-12-31' then 'until removed: the determination''s 有效期至 (长期)'
            when valid_to is not null then 'the determination''s 有效期至'
            else 'serious_list.default_term: {{ rules['term_rule'] | replace("'", "''") }}'
        end as end_rule,
        removal_conditions as own_removal_conditions,
        remedies as own_remedies,
        legal_representative as named_representative,
    from determinations

),

listed as (

    select * from court
    union all by name
    select * from agency

),

representatives as (

    -- an organisation's legal representative with an ID number, as its own records name them
    select
        subject_key,
        legal_representative,
        upper(replace(trim(legal_representative_id), ' ', '')) as legal_representative_id,
        decision_date,
    from {{ ref('int_credit__records_conformed') }}
    where legal_representative is not null and legal_representative_id is not null

),

court_linked as (

    -- The court names the representative (法定代表人或者负责人姓名) without an ID number: the
    -- organisation's latest record naming the same person gives it (the latest record's
    -- representative where the court names none).
    select
        listed.entry_id,
        'legal_representative' as role,
        representatives.legal_representative_id as person_key,
        representatives.legal_representative as person_name,
    from listed
    inner join representatives
        on listed.subject_key = representatives.subject_key
        and coalesce(listed.named_representative, representatives.legal_representative)
            = representatives.legal_representative
    where listed.basis = 'court_dishonest_debtor'
      and listed.subject_type <> 'natural_person'
      -- only where the profile notes legal representatives
      and {{ 'true' if 'legal_representative' in rules['linked_roles'] else 'false' }}
    qualify row_number() over (
        partition by listed.entry_id
        order by representatives.decision_date desc, representatives.legal_representative_id asc
    ) = 1

),

determination_linked as (

    -- the persons the determination names, in the roles the profile notes
    {%- for role in rules['linked_roles'] %}
    select record_id as entry_id, '{{ role }}' as role, {{ role }}_id as person_key, {{ role }} as person_name,
    from determinations
    where subject_type <> 'natural_person' and {{ role }}_id is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if not rules['linked_roles'] %}
    select null::varchar as entry_id, null::varchar as role, null::varchar as person_key,
           null::varchar as person_name,
    where false
    {%- endif %}

),

linked as (

    select
        md5(parent.entry_id || '|' || persons.role || '|' || persons.person_key) as entry_id,
        parent.basis,
        'natural_person' as subject_type,
        persons.person_key as subject_key,
        coalesce(persons.person_name, persons.person_key) as subject_name,
        parent.determining_authority,
        parent.decision_number,
        parent.determination_id,
        parent.listed_on,
        parent.list_end,
        parent.end_rule,
        parent.own_removal_conditions,
        parent.own_remedies,
        persons.role,
        parent.entry_id as linked_to_entry_id,
        parent.subject_key as linked_to_subject_key,
        parent.subject_name as linked_to_subject_name,
    from (
        select * from court_linked
        union all
        select * from determination_linked
    ) as persons
    inner join listed as parent on persons.entry_id = parent.entry_id
    -- a person is keyed by a citizen ID number (jl-draft Art 9, hl-2022 Art 19); another
    -- value cannot key a credit file (staging's data test reports it)
    where regexp_matches(persons.person_key, {{ citizen_id }})

),

entries as (

    select * from listed
    union all by name
    select * from linked

),

events as (

    select record_id, dataset, 'revoked' as kind, effective_on as happened_on,
    from {{ ref('stg_landing__revocations') }}
    where action = 'revoked' and effective_on <= {{ as_of }}
    union all
    select record_id, dataset, 'objection_accepted', state_on,
    from {{ ref('stg_landing__objections') }}
    where state = 'decided' and outcome = 'revoked' and state_on <= {{ as_of }}
    union all
    select record_id, dataset, 'repaired', repaired_on,
    from {{ ref('stg_landing__repairs') }}
    where repaired_on <= {{ as_of }}

),

entry_records as (

    -- An event names a record by 原决定书文号 and subject code: a determination by its
    -- 认定决定书文号 or its 认定编号, on its subject's key or on a linked person's own key.
    select entry_id, basis, md5(decision_number || '|' || subject_key) as record_id, from entries
    union
    select entry_id, basis, md5(determination_id || '|' || subject_key), from entries
    where determination_id is not null

),

own_events as (

    -- A court's entry is matched as int_credit__records_as_of matches records (the case
    -- number); a determination only by events about 严重失信主体名单. Repairs act on
    -- determinations only: the court removes its own entries.
    select
        entry_records.entry_id,
        min(events.happened_on) filter (where events.kind = 'revoked') as revoked_on,
        min(events.happened_on) filter (where events.kind = 'objection_accepted') as objection_accepted_on,
        min(events.happened_on) filter (where events.kind = 'repaired') as repaired_on,
    from entry_records
    inner join events
        on entry_records.record_id = events.record_id
        and (
            (entry_records.basis = 'court_dishonest_debtor' and events.kind <> 'repaired')
            or events.dataset = 'serious_determinations'
        )
    group by 1

),

removals as (

    select
        entries.*,
        least(own.revoked_on, parents.revoked_on) as revoked_on,
        least(own.objection_accepted_on, parents.objection_accepted_on) as objection_accepted_on,
        least(own.repaired_on, parents.repaired_on) as repaired_on,
        case
            when entries.list_end < {{ as_of }} then cast(entries.list_end + interval 1 day as date)
        end as expired_on,
    from entries
    left join own_events as own on entries.entry_id = own.entry_id
    left join own_events as parents on entries.linked_to_entry_id = parents.entry_id

),

final as (

    select
        entry_id,
        basis,
        subject_type,
        subject_key,
        subject_name,
        role,
        linked_to_entry_id,
        linked_to_subject_key,
        linked_to_subject_name,
        determining_authority,
        decision_number,
        determination_id,
        listed_on,
        list_end,
        end_rule,
        {%- set removing = ['revoked_on', 'objection_accepted_on']
            + (['repaired_on'] if rules['repair_removes'] else []) + ['expired_on'] %}
        least({{ removing | join(', ') }}) as removed_on,
        case least({{ removing | join(', ') }})
            when revoked_on then 'revoked'
            when objection_accepted_on then 'objection_accepted'
            {%- if rules['repair_removes'] %}
            when repaired_on then 'repaired'
            {%- endif %}
            when expired_on then 'expired'
        end as removal_reason,
        -- the repair decision's date, whether or not it removes (jl-draft Art 38: marked)
        repaired_on,
        least({{ removing | join(', ') }}) is null as on_list,
        -- published lists state removal conditions and remedies (jl-draft Art 24,
        -- gd-draft Art 31): the determination's own, else the profile's
        coalesce(own_removal_conditions, case basis
            {%- for basis, text in rules['removal_conditions'].items() %}
            when '{{ basis }}' then '{{ text | replace("'", "''") }}'
            {%- endfor %}
        end) as removal_conditions,
        coalesce(own_remedies, case basis
            {%- for basis, text in rules['remedies'].items() %}
            when '{{ basis }}' then '{{ text | replace("'", "''") }}'
            {%- endfor %}
        end) as remedies,
        -- the legal representative as the court list or the determination names them (listed
        -- organisations; with or without an ID number)
        named_representative,
    from removals

)

select * from final

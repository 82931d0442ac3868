-- Each record's state on the run's date (`run_date()`), with the events known by then
-- applied. Running for an earlier date reproduces that day's state: every event counts
-- only from its own date.
{%- set rules = var('rules') %}
{%- set as_of = run_date() %}

with

records as (

    select * from {{ ref('int_credit__records_conformed') }}

),

repairs as (

    -- Repair only where the profile allows it, and not before the earliest repair date
    -- (jl-draft Art 37, gd-draft Art 41); a premature or disallowed one is ignored.
    select
        repairs.record_id,
        min(repairs.repaired_on) as repaired_on,
    from {{ ref('stg_landing__repairs') }} as repairs
    inner join records on repairs.record_id = records.record_id
    where repairs.repaired_on <= {{ as_of }}
      and records.repairable
      and repairs.repaired_on >= records.earliest_repair_on
    group by 1

),

revocations as (

    select
        record_id,
        min(effective_on) filter (where action = 'revoked') as revoked_on,
        min(effective_on) filter (where action = 'corrected') as corrected_on,
    from {{ ref('stg_landing__revocations') }}
    where effective_on <= {{ as_of }}
    group by 1

),

objections as (

    -- Open while opened and not yet decided on the run's date (jl-draft Art 36,
    -- city-2022 Art 42, gd-draft Art 40). A decision to revoke or correct acts as one.
    select
        record_id,
        bool_or(state = 'opened' and not exists (
            select 1 from {{ ref('stg_landing__objections') }} as decided
            where decided.objection_id = o.objection_id and decided.state = 'decided'
              and decided.state_on <= {{ as_of }}
        )) as under_objection,
        min(state_on) filter (where state = 'decided' and outcome = 'revoked') as revoked_on,
        min(state_on) filter (where state = 'decided' and outcome = 'corrected') as corrected_on,
    from {{ ref('stg_landing__objections') }} as o
    where state_on <= {{ as_of }}
    group by 1

),

requests as (

    select subject_key, request_kind, scope, min(accepted_on) as accepted_on,
    from {{ ref('stg_landing__subject_requests') }}
    where accepted_on <= {{ as_of }}
    group by all

),

serious_list as (

    -- Subjects on the serious dishonest list on the run's date, themselves listed (not as a
    -- listed organisation's person): a court's dishonest judgment debtor or an agency's
    -- determination not removed by then (hl-draft Art 38, hl-2022 Art 28-29, 35, 40).
    select distinct subject_key
    from {{ ref('int_credit__serious_list') }}
    where on_list and role is null

),

joined as (

    select
        records.*,
        repairs.repaired_on,
        least(revocations.revoked_on, objections.revoked_on) as revoked_on,
        least(revocations.corrected_on, objections.corrected_on) as corrected_on,
        coalesce(objections.under_objection, false) as under_objection,
        serious_list.subject_key is not null as on_serious_list,
        {%- if rules['positive_withheld_on_request'] %}
        -- hl-draft Art 51, hl-2022 Art 37: positive information not published on request
        (select min(accepted_on) from requests
         where requests.subject_key = records.subject_key and requests.request_kind = 'withhold_positive'
           and records.polarity = 'positive') as withheld_on,
        {%- else %}
        null::date as withheld_on,
        {%- endif %}
        {%- if rules['honours_deleted_on_request'] %}
        -- city-2022 Art 48, gd-draft Art 38: honours, volunteering and donation records deleted on request
        (select min(accepted_on) from requests
         where requests.subject_key = records.subject_key and requests.request_kind = 'delete_honours'
           and records.dataset = 'honors' and requests.scope in ('all', records.honour_kind)) as deleted_on,
        {%- else %}
        null::date as deleted_on,
        {%- endif %}
    from records
    left join repairs using (record_id)
    left join revocations using (record_id)
    left join objections using (record_id)
    left join serious_list on records.subject_key = serious_list.subject_key

),

ended as (

    select
        *,
        -- gd-draft Art 24(2): dishonest information stays published while the subject is on
        -- the serious list.
        {{ 'true' if rules['serious_list_extends_publicity'] else 'false' }}
            and polarity = 'negative' and on_serious_list as extended,
    from joined

),

extended as (

    select
        * replace (
            case when extended then 'extended while on the serious list (gd-draft Art 24(2))' else end_rule end
                as end_rule
        ),
        case when extended then null else latest_end end as effective_end,
    from ended

),

final as (

    select
        *,
        case
            when decision_date > {{ as_of }} then 'not_yet'
            when not published_at_all then 'excluded'
            when deleted_on is not null then 'deleted_on_request'
            when revoked_on is not null then 'revoked'
            {%- if rules['repair_effect'] == 'stop' %}
            when repaired_on is not null then 'repaired'
            {%- endif %}
            when withheld_on is not null then 'withheld_on_request'
            when effective_end is not null and effective_end < {{ as_of }} then 'expired'
            else 'published'
        end as status,
    from extended

)

select
    *,
    -- the day the record left publication and sharing, and why (for withdrawals)
    case status
        when 'deleted_on_request' then deleted_on
        when 'revoked' then revoked_on
        when 'repaired' then repaired_on
        when 'withheld_on_request' then withheld_on
        when 'expired' then cast(effective_end + interval 1 day as date)
    end as left_on,
    status = 'published' and repaired_on is not null as repair_marked,
from final

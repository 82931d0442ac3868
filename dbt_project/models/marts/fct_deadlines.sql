-- Every deadline the law sets the platform and its providers, one row per step of a process,
-- and how it stood on the run's date (`run_date()`): met, overdue (done late, or not done
-- and past due) or open (not done, not yet due). The working days of each deadline and the
-- article behind them come from the profile (var('rules')['deadlines']); a deadline the
-- profile does not set (days null) is not tracked. Due dates follow the official calendar
-- (macro add_working_days). Days are Beijing-time days (macro beijing_date).
{%- set deadlines = var('rules')['deadlines'] %}
{%- set as_of = run_date() %}
{%- set referred = deadlines['objection_decide_referred'] %}
{%- set listing = deadlines['objection_serious_list'] %}

with

{#- every landing source (a new dataset's source is added here), and the quarantined rows of
    the datasets that have them -#}
{%- set landing_tables = ['penalties', 'licenses', 'court_dishonest', 'honors', 'credit_commitments',
                          'serious_determinations', 'repairs', 'revocations', 'objections',
                          'subject_requests'] %}
{%- set quarantine_tables = ['penalties', 'licenses'] %}
{%- for table in landing_tables %}

landing_{{ table }} as (

    select * from {{ source('landing', table) }}

),
{%- endfor %}
{%- for table in quarantine_tables %}

quarantine_{{ table }} as (

    select * from {{ source('quarantine', table) }}

),
{%- endfor %}

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

licenses as (

    select * from {{ ref('stg_landing__licenses') }}

),

honors as (

    select * from {{ ref('stg_landing__honors') }}

),

objections as (

    select * from {{ ref('stg_landing__objections') }}

),

revocations_landed as (

    select * from {{ ref('stg_landing__revocations') }}

),

repairs as (

    select * from {{ ref('stg_landing__repairs') }}

),

refusals as (

    select * from {{ ref('fct_refusals') }}

),

batches as (

    -- Every file landed: the day it arrived (`_received_at`: its modification time in Beijing
    -- time; null for files landed before arrivals were recorded) and the day it landed. Rows
    -- refused at landing count too: refusing them was the check. Every landing source is
    -- listed (landing_tables above).
    select
        batch_id,
        any_value(dataset) as dataset,
        cast(min(received_at) as date) as received_on,
        {{ beijing_date('min(landed_at)') }} as landed_on,
    from (
        {%- for table in landing_tables %}
        select '{{ table }}' as dataset, _batch_id as batch_id, nullif(_received_at, '') as received_at,
               cast(_landed_at as timestamp) as landed_at,
        from landing_{{ table }}
        where _batch_id is not null
        union all
        {%- endfor %}
        {%- for table in quarantine_tables %}
        select '{{ table }}', _batch_id, nullif(_received_at, ''), cast(_landed_at as timestamp),
        from quarantine_{{ table }}
        where _batch_id is not null
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )
    group by batch_id

),

records as (

    select 'penalties' as dataset, record_id, subject_key, decision_number, decision_date, provider,
    from penalties
    union all
    select 'licenses', record_id, subject_key, decision_number, decision_date, provider,
    from licenses
    union all
    select 'honors', record_id, subject_key, decision_number, decision_date, provider,
    from honors

),

first_pushes as (

    -- The batch that first carried each record (record_id as staging derives it): a
    -- provider's later corrected copy does not move the day the record was pushed.
    {%- for table in ['penalties', 'licenses', 'honors'] %}
    select '{{ table }}' as dataset, md5(_record_key) as record_id,
           arg_min(_batch_id, cast(_landed_at as timestamp)) as batch_id,
    from landing_{{ table }}
    where _batch_id is not null
    group by all
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

objection_cases as (

    -- One row per objection: opened (受理), referred to verify (转办), decided (办结). The mark
    -- appears in the outputs of the run that landed the 受理 event.
    select
        objection_id,
        any_value(dataset) as dataset,
        any_value(subject_key) as subject_key,
        any_value(decision_number) as decision_number,
        any_value(record_id) as record_id,
        min(state_on) filter (where state = 'opened') as opened_on,
        min({{ beijing_date('landed_at') }}) filter (where state = 'opened') as marked_on,
        min(state_on) filter (where state = 'referred') as referred_on,
        min(state_on) filter (where state = 'assisted') as assisted_on,
        min(state_on) filter (where state = 'decided') as decided_on,
        min({{ beijing_date('landed_at') }}) filter (where state = 'decided') as decision_landed_on,
        any_value(outcome) filter (where state = 'decided') as outcome,
    from objections
    where state_on <= {{ as_of }}
    group by objection_id

),

objection_steps as (

    -- hl-2022 Art 39, hl-draft Art 53: marked within 1 working day of receipt and decided
    -- within 3; within 7 when another unit must verify. jl-draft Art 36: verified within 10
    -- working days of acceptance, a referred one decided within 15 of the referral.
    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'mark', deadlines['objection_mark'], 'receipt', 'opened_on', 'marked_on') }}
    from objection_cases
    where opened_on is not null

    union all by name

    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'decide', deadlines['objection_decide'], 'receipt', 'opened_on', 'decided_on') }}
    from objection_cases
    where opened_on is not null and referred_on is null
    {%- if listing['days'] is not none %}
        and dataset <> 'serious_determinations'

    union all by name

    -- hl-2022 Art 35: an objection to a serious-list determination is decided within 3
    -- working days of receipt (elsewhere, as any other objection)
    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'decide', listing, 'receipt', 'opened_on', 'decided_on') }}
    from objection_cases
    where opened_on is not null and dataset = 'serious_determinations'
    {%- endif %}

    union all by name

    -- hl-2022 Art 39, hl-draft Art 53: the unit asked to help verify answers within 2 working
    -- days of the referral
    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'assist_reply', deadlines['objection_assist_reply'], 'referral', 'referred_on',
                'assisted_on') }}
    from objection_cases
    where referred_on is not null

    union all by name

    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'decide_referred', referred, referred['counted_from'],
                'referred_on' if referred['counted_from'] == 'referral' else 'opened_on', 'decided_on') }}
    from objection_cases
    where referred_on is not null
        and {{ 'referred_on' if referred['counted_from'] == 'referral' else 'opened_on' }} is not null

    union all by name

    -- hl-2022 Art 39: copies shared elsewhere are corrected within 3 working days; the
    -- platform's feeds carry the correction from the run that landed the decision.
    select
        subject_key, dataset, record_id, decision_number, objection_id as event_id,
        {{ deadline_step('objection', 'shared_copies', deadlines['objection_shared_copies'], 'decision', 'decided_on',
                'decision_landed_on') }}
    from objection_cases
    where decided_on is not null and outcome in ('corrected', 'revoked')

),

revocations as (

    select
        *,
        {{ beijing_date('landed_at') }} as landed_on,
        -- the day the platform was told: the provider's report date (上报日期), else the day
        -- it landed (fct_withdrawals' withdraw_due_by counts from the same day)
        coalesce(reported_on, {{ beijing_date('landed_at') }}) as received_on,
    from revocations_landed
    where effective_on <= {{ as_of }}

),

revocation_steps as (

    -- hl-2022 Art 38, hl-draft Art 52: the provider reports a revoked or changed basis within
    -- 2 working days of the change, the platform withdraws it within 1 of receiving the report
    -- (city-2022 Art 45: 3 and 2).
    select
        subject_key, dataset, record_id, decision_number, revocation_id as event_id,
        {{ deadline_step('revocation', 'report', deadlines['revocation_report'], 'effective date', 'effective_on',
                'received_on') }}
    from revocations

    union all by name

    select
        subject_key, dataset, record_id, decision_number, revocation_id as event_id,
        {{ deadline_step('revocation', 'withdraw', deadlines['revocation_withdraw'], 'receipt', 'received_on',
                'landed_on') }}
    from revocations

),

correction_steps as (

    -- Rows refused at landing go back to their provider (gd-draft Art 19), to be corrected
    -- and resubmitted within the profile's working days of the refusal (hl-2022 Art 38:
    -- 自发现之日起三个工作日内); done when a corrected copy landed.
    select
        refusals.dataset, refusals.decision_number,
        refusals.batch_id || '#' || refusals.source_row as event_id,
        {{ deadline_step('correction', 'resubmit', deadlines['correction'], 'refusal', 'refusals.refused_on',
                'resubmitted.landed_on') }}
    from (
        select *, {{ beijing_date('refused_at') }} as refused_on,
        from refusals
    ) as refusals
    left join batches as resubmitted on refusals.superseded_by_batch = resubmitted.batch_id

),

submission_steps as (

    -- hl-2022 Art 21 (the catalog's time limit), hl-draft Art 22: the provider pushes a record
    -- within its working days of the decision; pushed when its file arrived (else landed).
    -- Only records first landed in the year to the run's date: older ones stand as they were.
    select
        records.subject_key, records.dataset, records.record_id, records.decision_number,
        records.provider, first_pushes.batch_id as event_id,
        {{ deadline_step('submission', 'submit', deadlines['submission'], 'decision', 'records.decision_date',
                'coalesce(batches.received_on, batches.landed_on)') }}
    from records
    inner join first_pushes using (dataset, record_id)
    inner join batches on first_pushes.batch_id = batches.batch_id
    where batches.landed_on >= {{ as_of }} - interval 1 year
        {%- if deadlines['submission']['days'] is none %}
        and false  -- the profile sets no push deadline: nothing to read
        {%- endif %}

),

check_steps as (

    -- gd-draft Art 19: the platform checks and loads a submission within 3 working days of
    -- receiving it. A file whose arrival was not recorded is not tracked.
    select
        dataset, batch_id as event_id,
        {{ deadline_step('submission_check', 'check', deadlines['submission_check'], 'receipt', 'received_on',
                'landed_on') }}
    from batches
    where received_on is not null

),

repair_steps as (

    -- jl-draft Art 38: the platform marks a repair within 3 working days of receiving the
    -- decision: the day its file arrived (the decision date when that was not recorded).
    select
        repairs.subject_key, repairs.dataset, repairs.record_id, repairs.decision_number,
        repairs.repair_id as event_id,
        {{ deadline_step('repair', 'mark', deadlines['repair_mark'], 'receipt',
                'greatest(repairs.repaired_on, coalesce(batches.received_on, repairs.repaired_on))',
                beijing_date('repairs.landed_at')) }}
    from repairs
    left join batches using (batch_id)
    where repairs.repaired_on <= {{ as_of }}

),

steps as (

    select * from objection_steps
    union all by name
    select * from revocation_steps
    union all by name
    select * from correction_steps
    union all by name
    select * from submission_steps
    union all by name
    select * from check_steps
    union all by name
    select * from repair_steps

),

providers as (

    -- the provider of the record an objection, revocation or repair is about
    select record_id, any_value(provider) as provider,
    from records
    where record_id in (
        select record_id from steps
        where process in ('objection', 'revocation', 'repair')
    )
    group by record_id

),

tracked as (

    select
        steps.process,
        steps.step,
        steps.subject_key,
        steps.dataset,
        steps.decision_number,
        steps.record_id,
        steps.event_id,
        coalesce(steps.provider, providers.provider) as provider,
        steps.counted_from,
        steps.started_on,
        steps.due_by,
        -- done after the run's date: not done as of it
        case when steps.done_on <= {{ as_of }} then steps.done_on end as done_on,
        steps.rule,
        steps.deadline_days,
    from steps
    left join providers on steps.record_id = providers.record_id
    where steps.deadline_days is not null and steps.started_on <= {{ as_of }}

),

final as (

    select
        * exclude (rule, deadline_days),
        case
            when done_on <= due_by then 'met'
            when done_on is not null or due_by < {{ as_of }} then 'overdue'
            else 'open'
        end as state,
        rule,
        deadline_days,
    from tracked

)

select * from final

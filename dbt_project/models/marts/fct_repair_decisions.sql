-- Every repair decision landed, and what it did on the run's date: applied (publication
-- stopped or the repair marked, per the profile's `repair.effect`), or why not, so a repair
-- the law does not allow is reported to its provider instead of dropped silently.
-- Waiting periods and repairability: jl-draft Art 37, gd-draft Art 41 (only general
-- dishonesty), hl-draft Art 54, hl-2022 Art 40, city-2022 Art 46.
{%- set as_of = run_date() %}
with

repairs as (

    select * from {{ ref('stg_landing__repairs') }}

),

records as (

    select * from {{ ref('int_credit__records_conformed') }}

),

repairs_by_then as (

    select * from repairs
    where repaired_on <= {{ as_of }}

),

final as (

    select
        repairs_by_then.repair_id,
        repairs_by_then.record_id,
        repairs_by_then.dataset,
        repairs_by_then.subject_key,
        repairs_by_then.decision_number,
        repairs_by_then.repaired_on,
        repairs_by_then.repair_authority,
        records.nature_class,
        records.earliest_repair_on,
        case
            -- a repair of a serious-list determination acts on the list (int_credit__serious_list)
            when repairs_by_then.dataset = 'serious_determinations' then 'serious_list'
            when records.record_id is null then 'no_such_record'
            when not records.repairable then 'not_repairable'
            when repairs_by_then.repaired_on < records.earliest_repair_on then 'before_waiting_period'
            else 'applied'
        end as outcome,
    from repairs_by_then
    left join records on repairs_by_then.record_id = records.record_id

)

select * from final

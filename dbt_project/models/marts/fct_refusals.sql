-- Rows refused at landing and whether a provider's corrected resubmission has since
-- superseded them (gd-draft Art 19: what does not conform goes back to the provider to
-- fix and resubmit). Matched on the decision number: a refused row's subject code is
-- often the very thing that was wrong.
with

quarantined_penalties as (

    select * from {{ source('quarantine', 'penalties') }}

),

quarantined_licenses as (

    select * from {{ source('quarantine', 'licenses') }}

),

penalties as (

    select * from {{ ref('stg_landing__penalties') }}

),

licenses as (

    select * from {{ ref('stg_landing__licenses') }}

),

refused as (

    select
        'penalties' as dataset,
        _source_file as source_file,
        _source_row as source_row,
        trim(CF_WSH) as decision_number,
        _reason_code as reason_code,
        _batch_id as batch_id,
        cast(_landed_at as timestamp) as refused_at,
    from quarantined_penalties
    where _batch_id is not null
    union all
    select
        'licenses',
        _source_file,
        _source_row,
        trim(XK_WSH),
        _reason_code,
        _batch_id,
        cast(_landed_at as timestamp),
    from quarantined_licenses
    where _batch_id is not null

),

loaded as (

    select 'penalties' as dataset, decision_number, batch_id, landed_at, from penalties
    union all
    select 'licenses', decision_number, batch_id, landed_at, from licenses

),

final as (

    select
        refused.*,
        (
            select min(loaded.batch_id) from loaded
            where
                loaded.dataset = refused.dataset
                and loaded.decision_number = refused.decision_number
                and loaded.landed_at >= refused.refused_at
        ) as superseded_by_batch,
    from refused

)

select * from final

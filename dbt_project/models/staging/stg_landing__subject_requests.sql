with

source as (

    select * from {{ source('landing', 'subject_requests') }}

),

renamed as (

    select
        trim(SQ_BH) as request_id,
        _subject_key as subject_key,
        case trim(SQ_LX) when '不公示守信信息' then 'withhold_positive' else 'delete_honours' end as request_kind,
        case trim(SQ_FW)
            when '表彰奖励' then 'commendation'
            when '志愿服务' then 'volunteering'
            when '慈善捐赠' then 'donation'
            else 'all'
        end as scope,
        {{ parse_extract_date('SQ_SQRQ') }} as requested_on,
        cast(_decision_date as date) as accepted_on,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'request_id') }}

)

select * from latest

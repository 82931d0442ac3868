with

source as (

    select * from {{ source('landing', 'honors') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(RY_MC) as subject_name,
        trim(RY_RYMC) as honour_name,
        case trim(RY_RYLB)
            when '表彰奖励' then 'commendation'
            when '志愿服务' then 'volunteering'
            when '慈善捐赠' then 'donation'
            else 'other'
        end as honour_kind,
        trim(RY_WH) as decision_number,
        trim(RY_SYJG) as authority,
        cast(_decision_date as date) as decision_date,
        {{ parse_extract_date('RY_YXQZ') }} as valid_to,
        trim(RY_SJLY) as provider,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

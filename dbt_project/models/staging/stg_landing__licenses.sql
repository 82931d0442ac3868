with

source as (

    select * from {{ source('landing', 'licenses') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(XK_XDR_MC) as subject_name,
        {{ blank_as_null('XK_FRDB') }} as legal_representative,
        {{ blank_as_null('XK_FR_ZJHM') }} as legal_representative_id,
        trim(XK_WSH) as decision_number,
        trim(XK_XKWS) as decision_document,
        trim(XK_XKLB) as licence_category,
        {{ blank_as_null('XK_XKZS') }} as certificate_name,
        {{ blank_as_null('XK_XKBH') }} as licence_number,
        XK_NR as licence_content,
        cast(_decision_date as date) as decision_date,
        {{ parse_extract_date('XK_YXQZ') }} as valid_from,
        {{ parse_extract_date('XK_YXQZI') }} as valid_to,
        trim(XK_XKJG) as authority,
        trim(XK_LYDW) as provider,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

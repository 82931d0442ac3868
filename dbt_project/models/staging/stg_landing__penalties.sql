with

source as (

    select * from {{ source('landing', 'penalties') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(CF_XDR_MC) as subject_name,
        case when _subject_type <> 'natural_person' then _subject_key end as subject_uscc,
        {{ blank_as_null('CF_FRDB') }} as legal_representative,
        {{ blank_as_null('CF_FR_ZJHM') }} as legal_representative_id,
        trim(CF_WSH) as decision_number,
        {{ blank_as_null('CF_WFXW') }} as violation_type,
        CF_SY as violation_facts,
        {{ blank_as_null('CF_YJ') }} as legal_basis,
        trim(CF_CFLB) as penalty_category,
        nullif(CF_NR, '') as penalty_content,
        try_cast({{ blank_as_null('CF_NR_FK') }} as decimal(18, 6)) as fine_amount_wan,
        try_cast({{ blank_as_null('CF_NR_WFFF') }} as decimal(18, 6)) as confiscated_amount_wan,
        cast(_decision_date as date) as decision_date,
        {{ parse_extract_date('CF_JDSXRQ') }} as effective_date,
        {{ parse_extract_date('CF_XWZZRQ') }} as conduct_end_date,
        trim(CF_CFJG) as authority,
        {{ blank_as_null('CF_CFJGDM') }} as authority_uscc,
        trim(CF_SJLY) as provider,
        {{ blank_as_null('CF_SJLYDM') }} as provider_uscc,
        {{ lineage_columns(source_position=true) }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

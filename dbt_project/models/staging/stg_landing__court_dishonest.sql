with

source as (

    select * from {{ source('landing', 'court_dishonest') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(SX_MC) as subject_name,
        {{ blank_as_null('SX_FRDB') }} as legal_representative,
        trim(SX_AH) as case_number,
        trim(SX_ZXFY) as court,
        {{ blank_as_null('SX_SF') }} as province,
        {{ blank_as_null('SX_ZXYJ') }} as basis_document,
        {{ parse_extract_date('SX_LASJ') }} as filed_on,
        {{ blank_as_null('SX_ZCDW') }} as basis_issuer,
        nullif(SX_YW, '') as obligation,
        trim(SX_LXQK) as performance,
        SX_JTQX as dishonest_conduct,
        cast(_decision_date as date) as decision_date,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

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
        nullif(trim(SX_FRDB), '') as legal_representative,
        trim(SX_AH) as case_number,
        trim(SX_ZXFY) as court,
        nullif(trim(SX_SF), '') as province,
        nullif(trim(SX_ZXYJ), '') as basis_document,
        {{ parse_extract_date('SX_LASJ') }} as filed_on,
        nullif(trim(SX_ZCDW), '') as basis_issuer,
        nullif(SX_YW, '') as obligation,
        trim(SX_LXQK) as performance,
        SX_JTQX as dishonest_conduct,
        cast(_decision_date as date) as decision_date,
        _batch_id as batch_id,
        cast(_landed_at as timestamp) as landed_at,

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

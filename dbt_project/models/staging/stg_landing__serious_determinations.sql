-- 严重失信主体名单认定: an agency's written determination that a subject is a serious dishonest
-- subject, with its term, removal conditions and remedies (hl-2022 Art 28, city-2022 Art 30)
-- and the persons of a listed organisation (jl-draft Art 28, hl-2022 Art 33).
with

source as (

    select * from {{ source('landing', 'serious_determinations') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        trim(RD_BH) as determination_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(RD_ZT_MC) as subject_name,
        case when _subject_type <> 'natural_person' then _subject_key end as subject_uscc,
        trim(RD_RDDW) as authority,
        {{ blank_as_null('RD_RDDWDM') }} as authority_uscc,
        trim(RD_RDYJ) as legal_basis,
        RD_SXXW as dishonest_conduct,
        trim(RD_JDSWH) as decision_number,
        cast(_decision_date as date) as decision_date,
        {{ parse_extract_date('RD_YXQZ') }} as valid_to,
        {{ blank_as_null('RD_YCTJ') }} as removal_conditions,
        {{ blank_as_null('RD_JJTJ') }} as remedies,
        -- linked persons: keyed as landing keys a citizen (upper-case X, no spaces)
        {{ blank_as_null('RD_FRDB') }} as legal_representative,
        nullif(upper(replace(trim(RD_FR_ZJHM), ' ', '')), '') as legal_representative_id,
        {{ blank_as_null('RD_ZYFZR') }} as principal,
        nullif(upper(replace(trim(RD_FZR_ZJHM), ' ', '')), '') as principal_id,
        {{ blank_as_null('RD_SJKZR') }} as actual_controller,
        nullif(upper(replace(trim(RD_KZR_ZJHM), ' ', '')), '') as actual_controller_id,
        {{ blank_as_null('RD_ZJZRR') }} as directly_responsible,
        nullif(upper(replace(trim(RD_ZRR_ZJHM), ' ', '')), '') as directly_responsible_id,
        trim(RD_SJLY) as provider,
        {{ blank_as_null('RD_SJLYDM') }} as provider_uscc,
        {{ lineage_columns(source_position=true) }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

-- 信用承诺: a subject's written commitment and how it stands. A commitment not kept or
-- made falsely is a breach (jl-draft Art 51 不实承诺或者违反承诺, hl-2022 Art 45-46
-- 虚假承诺、未履行承诺).
with

source as (

    select * from {{ source('landing', 'credit_commitments') }}

),

renamed as (

    select
        md5(_record_key) as record_id,
        _subject_type as subject_type,
        _subject_key as subject_key,
        trim(CN_ZT_MC) as subject_name,
        trim(CN_BH) as decision_number,
        case trim(CN_LX)
            when '审批替代型' then 'in_lieu_of_approval'
            when '容缺受理型' then 'incomplete_application'
            when '行业自律型' then 'industry_self_discipline'
            when '信用修复型' then 'credit_repair'
            when '主动型' then 'voluntary'
        end as commitment_kind,
        trim(CN_SX) as commitment_matter,
        CN_NR as commitment_content,
        cast(_decision_date as date) as decision_date,
        trim(CN_SLDW) as authority,
        {{ blank_as_null('CN_SLDWDM') }} as authority_uscc,
        {{ parse_extract_date('CN_YXQZ') }} as valid_to,
        case trim(CN_LXZT)
            when '履行中' then 'fulfilling'
            when '已履行' then 'fulfilled'
            when '未履行' then 'breached'
            when '违诺' then 'breached'
            when '虚假承诺' then 'breached'
        end as fulfilment,
        {{ parse_extract_date('CN_LXRQ') }} as fulfilment_on,
        trim(CN_SJLY) as provider,
        {{ blank_as_null('CN_SJLYDM') }} as provider_uscc,
        {{ lineage_columns(source_position=true) }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'record_id') }}

)

select * from latest

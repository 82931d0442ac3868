with

source as (

    select * from {{ source('landing', 'objections') }}

),

renamed as (

    select
        trim(YY_BH) as objection_id,
        {{ dataset_of('YY_XXLB') }} as dataset,
        _subject_key as subject_key,
        trim(YY_YWSH) as decision_number,
        md5(trim(YY_YWSH) || '|' || _subject_key) as record_id,
        -- 转办: referred to the provider or another unit to verify (hl-2022 Art 39, jl-draft Art 36)
        case trim(YY_ZT)
            when '受理' then 'opened' when '转办' then 'referred' when '反馈' then 'assisted' else 'decided'
        end as state,
        cast(_decision_date as date) as state_on,
        case trim(YY_JG) when '维持' then 'upheld' when '更正' then 'corrected' when '撤销' then 'revoked' end as outcome,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'objection_id, state') }}

)

select * from latest

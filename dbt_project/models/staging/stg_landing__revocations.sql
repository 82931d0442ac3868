with

source as (

    select * from {{ source('landing', 'revocations') }}

),

renamed as (

    select
        trim(CX_BH) as revocation_id,
        {{ dataset_of('CX_XXLB') }} as dataset,
        _subject_key as subject_key,
        trim(CX_YWSH) as decision_number,
        md5(trim(CX_YWSH) || '|' || _subject_key) as record_id,
        case when trim(CX_LX) in ('更正', 'U') then 'corrected' else 'revoked' end as action,
        cast(_decision_date as date) as effective_on,
        {{ parse_extract_date('CX_SBRQ') }} as reported_on,
        {{ blank_as_null('CX_YJ') }} as basis,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'revocation_id') }}

)

select * from latest

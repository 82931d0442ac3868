with

source as (

    select * from {{ source('landing', 'repairs') }}

),

renamed as (

    select
        trim(XF_BH) as repair_id,
        {{ dataset_of('XF_XXLB') }} as dataset,
        _subject_key as subject_key,
        trim(XF_YWSH) as decision_number,
        md5(trim(XF_YWSH) || '|' || _subject_key) as record_id,
        cast(_decision_date as date) as repaired_on,
        trim(XF_JG) as repair_authority,
        {{ lineage_columns() }}

    from source
    where _batch_id is not null

),

latest as (

    {{ latest_copy('renamed', 'repair_id') }}

)

select * from latest

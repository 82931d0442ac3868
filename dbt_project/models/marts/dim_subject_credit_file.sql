-- The subject credit file (信用档案): per subject, its basic, positive and negative
-- records by state, and its current standing.
select
    subject_key,
    any_value(subject_type) as subject_type,
    any_value(subject_name) as subject_name,
    count(*) filter (where polarity = 'basic' and status = 'published') as basic_published,
    count(*) filter (where polarity = 'positive' and status = 'published') as positive_published,
    count(*) filter (where polarity = 'negative' and status = 'published') as negative_published,
    count(*) filter (where status in ('expired', 'repaired')) as archived,
    bool_or(on_serious_list) as on_serious_list,
    bool_or(under_objection and status = 'published') as under_objection,
from {{ ref('int_credit__records_as_of') }}
where status <> 'not_yet'
group by 1

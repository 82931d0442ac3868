-- No record is published without an end unless a rule makes it long-term: negative
-- information always has a last day of publicity (a period of its version, or the version
-- the profile's `earlier_decisions` gives older decisions), except where the court's list,
-- hl-draft Art 51's long-term categories or gd-draft Art 24(2)'s serious-list extension
-- keep it. Basic, positive and other information end by their own rule (`end_rule`).
select record_id, dataset, nature_class, decision_date, end_rule
from {{ ref('int_credit__records_as_of') }}
where status = 'published'
  and effective_end is null
  and nature_class in ('minor', 'general', 'serious')
  and dataset <> 'court_dishonest'
  and not long_term_category
  and not extended

-- listCase in one organisation, filtered by status, sorted and paged
SELECT t0.rid AS rid, t0._version AS v FROM "e_case" t0 WHERE ((t0.v_org IN (?, ?) OR (t0.v_org IS NULL AND EXISTS (SELECT 1 FROM "m_case" vis WHERE vis.f = '_orgs' AND vis.v IN (?, ?) AND vis.id = t0._id))) AND t0."f_status" = ?) ORDER BY t0."f_severity" DESC, t0."f_title" ASC, t0._id DESC LIMIT ? OFFSET ?;
-- params: ["~100","*","~100","*","New",15,30]

-- default sort (newest first)
SELECT t0.rid AS rid, t0._version AS v FROM "e_case" t0 WHERE 1 ORDER BY t0."f__createdAt" DESC, t0._id DESC LIMIT ? OFFSET ?;
-- params: [15,0]

-- count of cases with a tag, not a custom field value, and not flagged
SELECT count(*) AS n FROM "e_case" t0 WHERE (EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'tags' AND mv.id = t0._id AND (typeof(mv.v) = 'text' AND mv.v = ?)) AND ((EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'cf.team' AND mv.id = t0._id AND (typeof(mv.v) = 'text' AND mv.v = ?))) IS NOT 1) AND ((t0."f_flag" = ?) IS NOT 1));
-- params: ["phishing","red",1]

-- numeric string against a custom field, null checks
SELECT count(*) AS n FROM "e_case" t0 WHERE (EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'cf.score' AND mv.id = t0._id AND ((typeof(mv.v) = 'text' AND mv.v >= ?) OR (typeof(mv.v) IN ('integer', 'real') AND mv.v >= ?))) OR t0."f_assignee" IS NULL OR EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'tags' AND mv.id = t0._id));
-- params: ["10",10]

-- like, match, in and between on scalar and multi-valued fields
SELECT t0.rid AS rid, t0._version AS v FROM "e_case" t0 WHERE (t0."f_title" LIKE ? ESCAPE '\' AND EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'tags' AND mv.id = t0._id AND mv.v LIKE ? ESCAPE '\') AND (json_extract((SELECT doc FROM "d_case" WHERE rid = t0.rid), '$."description"') LIKE ? ESCAPE '\' AND json_extract((SELECT doc FROM "d_case" WHERE rid = t0.rid), '$."description"') LIKE ? ESCAPE '\') AND EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'tags' AND mv.id = t0._id AND mv.v LIKE ? ESCAPE '\' AND mv.v LIKE ? ESCAPE '\') AND t0."f_severity" IN (?, ?) AND EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'tags' AND mv.id = t0._id AND ((typeof(mv.v) = 'text' AND mv.v IN (?)) OR (typeof(mv.v) IN ('integer', 'real') AND mv.v IN (?)))) AND (t0."f__createdAt" >= ? AND t0."f__createdAt" < ?) AND EXISTS (SELECT 1 FROM "m_case" mv WHERE mv.f = 'cf.score' AND mv.id = t0._id AND ((typeof(mv.v) IN ('integer', 'real') AND mv.v >= ? AND mv.v < ?))) AND json_extract((SELECT doc FROM "d_case" WHERE rid = t0.rid), '$."summary"') IS NOT NULL) ORDER BY (SELECT min(v) FROM "m_case" s WHERE s.f = 'cf.score' AND s.id = t0._id) ASC, t0._id ASC LIMIT ? OFFSET ?;
-- params: ["%100\\%\\_sure%","tlp:%","%lateral%","%movement%","%apt%","%28%",3,4,"a",7,1700000000000,1800000000000,1,9,15,0]

-- tasks of visible high-severity cases (parent traversal)
SELECT t0.rid AS rid, t0._version AS v FROM "e_task" t0 WHERE ((t0.v_org IN (?, ?) OR (t0.v_org IS NULL AND EXISTS (SELECT 1 FROM "m_task" vis WHERE vis.f = '_orgs' AND vis.v IN (?, ?) AND vis.id = t0._id))) AND t0."p_case" IN (SELECT t1._id FROM "e_case" t1 WHERE ((t1.v_org IN (?, ?) OR (t1.v_org IS NULL AND EXISTS (SELECT 1 FROM "m_case" vis WHERE vis.f = '_orgs' AND vis.v IN (?, ?) AND vis.id = t1._id))) AND t1."f_severity" >= ?))) ORDER BY json_extract((SELECT doc FROM "d_task" WHERE rid = t0.rid), '$."order"') ASC, t0._id ASC LIMIT ? OFFSET ?;
-- params: ["~100","*","~100","*","~100","*","~100","*",3,15,0]

-- cases with a waiting task (child traversal) and a parent id filter
SELECT count(*) AS n FROM "e_case" t0 WHERE EXISTS (SELECT 1 FROM "e_task" t1 WHERE t1."p_case" = t0._id AND (t1."f_status" = ? AND t1."p_case" IN (?, ?)));
-- params: ["Waiting","~1","~2"]

-- visibility restricted to named users
SELECT count(*) AS n FROM "e_case" t0 WHERE (t0.v_org IN (?, ?, ?) OR (t0.v_org IS NULL AND EXISTS (SELECT 1 FROM "m_case" vis WHERE vis.f = '_orgs' AND vis.v IN (?, ?, ?) AND vis.id = t0._id) AND (NOT EXISTS (SELECT 1 FROM "m_case" rst WHERE rst.f = '_restrictedTo' AND rst.id = t0._id) OR EXISTS (SELECT 1 FROM "m_case" rst WHERE rst.f = '_restrictedTo' AND rst.v IN (?, ?) AND rst.id = t0._id))));
-- params: ["~100","~200","*","~100","~200","*","alice","bob"]

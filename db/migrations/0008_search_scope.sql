-- The search index gets a `scope` column: the mailbox id as one word, so a
-- search intersects the mailbox's posting list with the words' inside FTS5 and
-- walks its matches newest first (ORDER BY rowid DESC) with the page's LIMIT,
-- instead of building every match of every tenant before looking at the
-- mailbox (the 1M-message search was 46 ms at p99). Written by hand: drizzle-kit
-- does not manage virtual tables. The index is contentless, so it is rebuilt from
-- `messages` with the same text the ingest writes (core/ingest/message-batch.ts).
DROP TABLE IF EXISTS `messages_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
  `scope`, `subject`, `sender`, `recipients`, `body`,
  content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `messages_fts` (rowid, `scope`, `subject`, `sender`, `recipients`, `body`)
SELECT
  m.rowid,
  lower(replace(m.`mailbox_id`, '_', '')),
  coalesce(m.`subject`, ''),
  CASE
    WHEN m.`from_address` IS NULL THEN m.`envelope_from`
    WHEN coalesce(m.`from_name`, '') = '' THEN m.`from_address`
    ELSE m.`from_name` || ' <' || m.`from_address` || '>'
  END,
  coalesce((
    SELECT group_concat(
      CASE
        WHEN coalesce(json_extract(a.value, '$.name'), '') = '' THEN json_extract(a.value, '$.address')
        ELSE json_extract(a.value, '$.name') || ' <' || json_extract(a.value, '$.address') || '>'
      END, ' ')
    FROM (SELECT value FROM json_each(m.`to`) UNION ALL SELECT value FROM json_each(m.`cc`)) a
  ), ''),
  substr(coalesce(m.`text`, ''), 1, 262144)
FROM `messages` m;

-- Full-text index over subject, sender, recipients and body text (SQLite FTS5).
-- Contentless: the text lives in `messages`; the index row shares the message's rowid.
-- contentless_delete=1 (SQLite 3.43+) lets a deleted message leave the index too.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
  `subject`, `sender`, `recipients`, `body`,
  content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE `blob_chunks` (
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	`content` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blob_chunks_key_seq_idx` ON `blob_chunks` (`key`,`seq`);
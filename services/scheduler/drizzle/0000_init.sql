CREATE SCHEMA "scheduler";
--> statement-breakpoint
CREATE TABLE "scheduler"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_created_at_idx" ON "scheduler"."outbox" USING btree ("created_at");
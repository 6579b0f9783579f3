CREATE SCHEMA "catalog";
--> statement-breakpoint
CREATE TABLE "catalog"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_created_at_idx" ON "catalog"."outbox" USING btree ("created_at");
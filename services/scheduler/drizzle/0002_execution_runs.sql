CREATE TABLE "scheduler"."finished_executions" (
	"execution_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"finished_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scheduler"."tasks" ADD COLUMN "execution_id" text;--> statement-breakpoint
CREATE INDEX "tasks_execution_idx" ON "scheduler"."tasks" USING btree ("execution_id") WHERE execution_id is not null and status = 'processing';
CREATE TABLE "scheduler"."tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"task_type" varchar(50) NOT NULL,
	"payload" jsonb NOT NULL,
	"execute_at" timestamp (3) with time zone NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"last_error" text,
	"complete_on_dispatch" boolean DEFAULT false NOT NULL,
	"trigger_id" text,
	"timer_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "scheduler"."triggers" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"pipeline_id" text NOT NULL,
	"trigger_type" text DEFAULT 'cron' NOT NULL,
	"cron_expression" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"parameters" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"next_run" timestamp (3) with time zone,
	"last_run_at" timestamp (3) with time zone,
	"last_task_id" bigint,
	"skipped_runs" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tasks_pending_due_idx" ON "scheduler"."tasks" USING btree ("due_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "tasks_processing_due_idx" ON "scheduler"."tasks" USING btree ("due_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "tasks_tenant_list_idx" ON "scheduler"."tasks" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_live_timer_key_idx" ON "scheduler"."tasks" USING btree ("tenant_id","timer_key") WHERE timer_key is not null and status in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "tasks_trigger_idx" ON "scheduler"."tasks" USING btree ("trigger_id") WHERE trigger_id is not null;--> statement-breakpoint
CREATE INDEX "triggers_due_idx" ON "scheduler"."triggers" USING btree ("next_run") WHERE enabled;--> statement-breakpoint
CREATE INDEX "triggers_tenant_idx" ON "scheduler"."triggers" USING btree ("tenant_id","created_at");
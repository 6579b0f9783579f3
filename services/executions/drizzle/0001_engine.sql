CREATE TABLE "executions"."executions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"schema_id" text NOT NULL,
	"schema_version" integer NOT NULL,
	"graph_key" text NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"current_step" text,
	"start_step" text,
	"input" jsonb,
	"trigger_info" jsonb,
	"output" jsonb,
	"error" text,
	"idempotency_key" text,
	"parent_execution_id" uuid,
	"parent_step_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions"."graphs" (
	"key" text PRIMARY KEY NOT NULL,
	"graph" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions"."logs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"execution_id" uuid NOT NULL,
	"step_id" uuid,
	"node_id" text,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"data" jsonb,
	"time" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions"."schema_tenants" (
	"schema_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions"."steps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"execution_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"node_type" text NOT NULL,
	"activation" integer DEFAULT 1 NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"status" text NOT NULL,
	"join_state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ready" boolean DEFAULT false NOT NULL,
	"dispatched" boolean DEFAULT false NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"ports" jsonb,
	"error" text,
	"wait" jsonb,
	"claim" uuid,
	"not_before" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "executions_tenant_started_idx" ON "executions"."executions" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "executions_tenant_schema_idx" ON "executions"."executions" USING btree ("tenant_id","schema_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "executions_idempotency_idx" ON "executions"."executions" USING btree ("tenant_id","schema_id","idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "executions_parent_idx" ON "executions"."executions" USING btree ("parent_execution_id") WHERE parent_execution_id is not null;--> statement-breakpoint
CREATE INDEX "logs_execution_seq_idx" ON "executions"."logs" USING btree ("execution_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "steps_activation_attempt_idx" ON "executions"."steps" USING btree ("execution_id","node_id","activation","attempt");--> statement-breakpoint
CREATE INDEX "steps_execution_seq_idx" ON "executions"."steps" USING btree ("execution_id","seq");--> statement-breakpoint
CREATE INDEX "steps_open_idx" ON "executions"."steps" USING btree ("execution_id") WHERE status in ('pending', 'running');